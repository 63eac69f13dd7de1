using WhoAmI.Lifecycle;

namespace WhoAmI.Endpoints;

/// <summary>
/// Readiness, apart from liveness (<c>/health</c>): whether a load balancer should send this replica traffic. It says
/// no from the moment shutdown begins (the drain, <see cref="ShutdownSequence"/>), and while switched off by
/// hand with <c>POST /ready/disable</c> (back with <c>/ready/enable</c>), podinfo's shape; those two exist only with
/// <c>--ready-switch</c>.
/// </summary>
internal static class ReadinessEndpoints
{
    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder app, bool readySwitch)
    {
        var readiness = app.ServiceProvider.GetRequiredService<ReadinessState>();
        app.MapMethods("/ready", [HttpMethods.Get, HttpMethods.Head], context =>
        {
            context.Response.StatusCode = readiness.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentLength = 0;
            return Task.CompletedTask;
        });

        if (readySwitch)
        {
            app.MapPost("/ready/disable", context => Switch(context, readiness, enabled: false));
            app.MapPost("/ready/enable", context => Switch(context, readiness, enabled: true));
        }

        return app;
    }

    static Task Switch(HttpContext context, ReadinessState readiness, bool enabled)
    {
        readiness.Switch(enabled);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }
}
