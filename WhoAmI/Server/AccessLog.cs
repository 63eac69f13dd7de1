using System.Diagnostics;

namespace WhoAmI.Server;

/// <summary><c>--verbose</c>: one line per request, written when the answer is done.</summary>
internal static class AccessLog
{
    public static IApplicationBuilder UseAccessLog(this IApplicationBuilder app)
    {
        var log = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("WhoAmI.Access");
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            await next(context);
            var request = context.Request;
            log.LogInformation("{Remote} \"{Method} {Path}{Query} {Protocol}\" {Status} {Milliseconds:0.0}ms",
                NetworkAddresses.RemoteAddress(context.Connection), request.Method, request.Path, request.QueryString,
                request.Protocol, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
    }
}
