using System.Diagnostics;
using System.Globalization;
using WhoAmI.Chain;
using WhoAmI.Network;
using WhoAmI.Payloads;
using WhoAmI.Settings;

namespace WhoAmI.Endpoints;

/// <summary>
/// <c>GET /chain</c>: this hop and, nested in order, the answer of each backend of <c>--backend</c>, called with
/// the caller's trace. With no backend it is the end of a chain and answers with its own hop alone. 200 when every
/// backend answered 2xx, otherwise (a backend down, slow or failing, or the chain stopped) 502, the whole answer
/// given either way.
/// </summary>
internal static class ChainEndpoints
{
    /// <summary>The longest chain: the hop with this number calls no backend, so a loop (a server that is its own
    /// backend, or a → b → a) ends here.</summary>
    public const int MaxHops = 8;

    /// <summary>What each hop keeps of its caller's time for itself, so that its answer still arrives when a backend
    /// of its own takes all the time it has: a tenth, and at least this.</summary>
    static readonly TimeSpan LeastTimeKept = TimeSpan.FromMilliseconds(100);

    public static IEndpointRouteBuilder MapChain(this IEndpointRouteBuilder app, WhoAmISettings settings)
    {
        var hostName = app.ServiceProvider.GetRequiredService<IHostNameSource>();
        var backends = app.ServiceProvider.GetService<BackendCalls>();
        app.MapMethods("/chain", [HttpMethods.Get, HttpMethods.Head], context => ChainAsync(context, settings, hostName, backends));
        return app;
    }

    static async Task ChainAsync(HttpContext context, WhoAmISettings settings, IHostNameSource hostName, BackendCalls? backends)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        if (!TryReadNumber(request, BackendCalls.HopHeader, 100, out var callersHop)
            || !TryReadNumber(request, BackendCalls.TimeoutHeader, (int)WhoAmISettings.MaxBackendTimeout.TotalMilliseconds, out var callersTimeout))
        {
            await PlainText.BadRequestAsync(context,
                $"{BackendCalls.HopHeader} is a hop count from 0 to 100 and {BackendCalls.TimeoutHeader} milliseconds from 0 to {WhoAmISettings.MaxBackendTimeout.TotalMilliseconds:0}, each given once");
            return;
        }

        var hop = (callersHop ?? 0) + 1;
        var timeout = settings.BackendTimeout;
        var kept = TimeSpan.Zero;
        if (callersTimeout is { } ms)
        {
            var callers = TimeSpan.FromMilliseconds(ms);
            kept = callers / 10 > LeastTimeKept ? callers / 10 : LeastTimeKept;
            timeout = callers - kept < timeout ? callers - kept : timeout;
        }

        BackendAnswer[] answers = [];
        string? stopped = null;
        if (backends is not null)
        {
            if (hop >= MaxHops)
            {
                stopped = $"hop limit: this is hop {hop}, at most {MaxHops}; backends not called";
            }
            else if (timeout <= TimeSpan.Zero)
            {
                stopped = $"{BackendCalls.TimeoutHeader}: {callersTimeout}ms, no more than this hop keeps for its answer ({kept.TotalMilliseconds:0}ms); backends not called";
            }
            else
            {
                answers = await backends.CallAllAsync(hop, timeout, context.RequestAborted);
            }
        }

        context.Response.StatusCode = stopped is null && answers.All(a => a.Status is >= 200 and < 300)
            ? StatusCodes.Status200OK : StatusCodes.Status502BadGateway;
        if (HttpMethods.IsHead(request.Method))
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            return;
        }

        await context.Response.WriteAsJsonAsync(new ChainHop(
            Hop: hop,
            Name: settings.Name,
            Hostname: hostName.GetHostName() ?? "unknown",
            Ip: NetworkAddresses.Shown(settings.MaskIps),
            RemoteAddr: NetworkAddresses.RemoteAddress(context.Connection),
            TraceId: Activity.Current?.TraceId.ToHexString(),
            DurationMs: Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2),
            Backends: answers,
            Stopped: stopped), WhoAmIJsonContext.Default.ChainHop, cancellationToken: context.RequestAborted);
    }

    /// <summary>A header that is absent (null), or given once as a whole number from 0 to <paramref name="max"/>.</summary>
    static bool TryReadNumber(HttpRequest request, string header, int max, out int? value)
    {
        value = null;
        if (!request.Headers.TryGetValue(header, out var values))
        {
            return true;
        }

        if (values.Count == 1 && int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= max)
        {
            value = number;
            return true;
        }

        return false;
    }
}
