using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace WhoAmI;

/// <summary>
/// Every limit the server enforces, set on purpose in one place. Kestrel answers a breach itself:
/// 414 for a long request line, 431 for large headers, 413 for a large body, and it closes a connection
/// whose headers trickle in slower than the timeout.
/// https://learn.microsoft.com/aspnet/core/fundamentals/servers/kestrel/options
/// </summary>
public static class KestrelLimits
{
    /// <summary>How long shutdown waits for requests in flight; under Docker's 10 s before SIGKILL.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The largest body any endpoint reads (<c>/</c> echoes it, <c>/health</c> takes a code).</summary>
    public const long MaxRequestBodySize = 64 * 1024;

    /// <summary>
    /// Kestrel enforces the body limit only on a body that is read; most endpoints read none. A declared
    /// Content-Length over the limit gets 413 from every endpoint alike.
    /// </summary>
    public static IApplicationBuilder UseDeclaredBodyLimit(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.ContentLength > MaxRequestBodySize)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                context.Response.Headers.Connection = "close";
                return Task.CompletedTask;
            }

            return next(context);
        });

    public static void Apply(KestrelServerOptions options)
    {
        options.AddServerHeader = false;
        options.AllowSynchronousIO = false;

        var limits = options.Limits;
        limits.MaxRequestLineSize = 8 * 1024;
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.MaxRequestHeaderCount = 64;
        limits.MaxRequestBodySize = MaxRequestBodySize;
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(75);
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        limits.MaxConcurrentConnections = 10_000;
        limits.MaxConcurrentUpgradedConnections = 1_000;
    }
}
