using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace WhoAmI.Telemetry;

/// <summary>
/// Names and tags the request's span by OpenTelemetry's HTTP server conventions
/// (https://opentelemetry.io/docs/specs/semconv/http/http-spans/): <c>GET /whoami</c>, method, scheme, path, protocol,
/// peer, status, route. ASP.NET Core 10 records the activity and continues the caller's <c>traceparent</c> but
/// leaves these to OpenTelemetry's instrumentation package, which this service does without (<see cref="OtlpTraces"/>).
/// Only in the pipeline when tracing is on. The query string is left out: it may hold secrets.
/// </summary>
internal static class RequestSpans
{
    static readonly HashSet<string> KnownMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

    public static IApplicationBuilder UseRequestSpans(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IHttpActivityFeature>()?.Activity is not { IsAllDataRequested: true } activity)
            {
                await next(context);
                return;
            }

            var request = context.Request;
            // Unknown methods are "_OTHER" (the span "HTTP"), so that a scanner's invented verbs make no new span names.
            var method = KnownMethods.Contains(request.Method) ? request.Method : "_OTHER";
            activity.SetTag("http.request.method", method)
                .SetTag("http.request.method_original", method == request.Method ? null : request.Method)
                .SetTag("url.scheme", request.Scheme)
                .SetTag("url.path", request.Path.Value)
                .SetTag("server.address", request.Host.Host)
                .SetTag("network.protocol.version", request.Protocol switch { "HTTP/2" => "2", "HTTP/1.0" => "1.0", "HTTP/3" => "3", _ => "1.1" })
                .SetTag("client.address", context.Connection.RemoteIpAddress?.ToString())
                .SetTag("user_agent.original", request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null);
            if (request.Host.Port is { } port)
            {
                activity.SetTag("server.port", port);
            }

            try
            {
                await next(context);
            }
            finally
            {
                var status = context.Response.StatusCode;
                var route = context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } raw } ? raw : null;
                activity.DisplayName = method == "_OTHER" ? "HTTP" : route is null ? method : $"{method} {route}";
                activity.SetTag("http.response.status_code", status).SetTag("http.route", route);
                if (status >= 500 || context.RequestAborted.IsCancellationRequested)
                {
                    activity.SetTag("error.type", status >= 500 ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "aborted");
                    activity.SetStatus(ActivityStatusCode.Error);
                }
            }
        });
}
