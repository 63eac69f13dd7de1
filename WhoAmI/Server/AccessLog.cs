using System.Diagnostics;
using WhoAmI.Network;

namespace WhoAmI.Server;

/// <summary><c>--verbose</c>: one line per request, written when the answer is done. Its template's names are the
/// fields of a JSON line (<c>--log-format json</c>): remote, method, path, query, protocol, status, duration_ms, trace_id.</summary>
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
            log.LogInformation("{remote} \"{method} {path}{query} {protocol}\" {status} {duration_ms:0.0}ms trace {trace_id}",
                NetworkAddresses.RemoteAddress(context.Connection), request.Method, request.Path.Value, request.QueryString.Value,
                request.Protocol, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, TraceId(context) ?? "-");
        });
    }

    /// <summary>The W3C trace id the request belongs to: its Activity's when one is recorded, else the one its
    /// <c>traceparent</c> header carries (version 00), else none.</summary>
    static string? TraceId(HttpContext context)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            return activity.TraceId.ToHexString();
        }

        // 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>; an all-zero trace id is invalid.
        var header = context.Request.Headers.TraceParent.ToString();
        return header.Length == 55 && header.StartsWith("00-", StringComparison.Ordinal) && header[35] == '-' && header[52] == '-'
            && IsLowerHex(header.AsSpan(3, 32)) && IsLowerHex(header.AsSpan(36, 16)) && IsLowerHex(header.AsSpan(53, 2))
            && header.AsSpan(3, 32).ContainsAnyExcept('0')
            ? header.Substring(3, 32)
            : null;
    }

    static bool IsLowerHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept("0123456789abcdef");
}
