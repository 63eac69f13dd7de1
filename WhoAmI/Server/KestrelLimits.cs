using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace WhoAmI.Server;

/// <summary>
/// Every limit the server enforces, set on purpose in one place. Kestrel answers a breach itself:
/// 414 for a long request line, 431 for large headers, 413 for a large body, and it closes a connection
/// whose headers trickle in slower than the timeout.
/// https://learn.microsoft.com/aspnet/core/fundamentals/servers/kestrel/options
/// </summary>
internal static class KestrelLimits
{
    /// <summary>The largest body any endpoint reads (<c>/</c> echoes it, <c>/health</c> takes a code).</summary>
    public const long MaxRequestBodySize = 64 * 1024;

    public const int MaxRequestLineSize = 8 * 1024;
    public const int MaxRequestHeadersTotalSize = 32 * 1024;
    public const int MaxRequestHeaderCount = 64;

    public static void Apply(KestrelServerOptions options)
    {
        options.AddServerHeader = false;
        options.AllowSynchronousIO = false;

        var limits = options.Limits;
        limits.MaxRequestLineSize = MaxRequestLineSize;
        limits.MaxRequestHeadersTotalSize = MaxRequestHeadersTotalSize;
        limits.MaxRequestHeaderCount = MaxRequestHeaderCount;
        limits.MaxRequestBodySize = MaxRequestBodySize;
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(75);
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        limits.MaxConcurrentConnections = 10_000;
        limits.MaxConcurrentUpgradedConnections = 1_000;
    }
}
