using WhoAmI.Telemetry;

namespace WhoAmI.Endpoints;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format, only with <c>--metrics</c> (<see cref="PrometheusMetrics"/>);
/// without it the path is unknown (404) and nothing listens to the meters.
/// </summary>
internal static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        // Made here, before the first request, so that nothing is missed before the first scrape.
        var metrics = app.ServiceProvider.GetRequiredService<PrometheusMetrics>();
        app.MapMethods("/metrics", [HttpMethods.Get, HttpMethods.Head], context =>
        {
            context.Response.ContentType = PrometheusMetrics.ContentType;
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(metrics.Scrape());
        });
        return app;
    }
}
