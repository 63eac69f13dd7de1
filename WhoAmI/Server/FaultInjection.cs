using WhoAmI.Lifecycle;
using WhoAmI.Network;

namespace WhoAmI.Server;

internal static class FaultInjection
{
    /// <summary>Paths a fault never touches: the probes, the switches and the metrics, which whoever runs the replica
    /// relies on (a failed scrape would read as the replica down, not as its requests failing).</summary>
    static readonly string[] ControlPaths = ["/health", "/ready", "/ready/disable", "/ready/enable", "/faults", "/metrics"];

    /// <summary>The faults of <see cref="FaultState"/>, on every request but those of <see cref="ControlPaths"/>.</summary>
    public static IApplicationBuilder UseFaultInjection(this IApplicationBuilder app)
    {
        var faults = app.ApplicationServices.GetRequiredService<FaultState>();
        var shutdown = app.ApplicationServices.GetRequiredService<ShutdownSequence>();
        var hostName = app.ApplicationServices.GetRequiredService<IHostNameSource>();
        return app.Use(async (context, next) =>
        {
            var current = faults.Current;
            if (current.Rate == 0 || Random.Shared.NextDouble() >= current.Rate || IsExempt(context.Request))
            {
                await next(context);
                return;
            }

            if (current.Delay > TimeSpan.Zero)
            {
                await shutdown.WaitAsync(current.Delay, context.RequestAborted);
            }

            if (current.Status is { } status)
            {
                context.Response.Headers["X-Fault-Injected"] = $"{status}";
                await Endpoints.PlainText.WriteAsync(context, $"fault injected by {hostName.GetHostName() ?? "unknown"}: {status}\n", status);
                return;
            }

            await next(context);
        });
    }

    // gRPC calls are left alone: an HTTP status in place of gRPC's trailers is not a fault a gRPC client can read.
    static bool IsExempt(HttpRequest request) =>
        ControlPaths.Contains(request.Path.Value, StringComparer.Ordinal)
        || request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
}
