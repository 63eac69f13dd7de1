using System.Globalization;

namespace WhoAmI.Server;

/// <summary>
/// What a share of requests suffers, so that retries and outlier detection in a proxy can be tried on one replica:
/// <see cref="Rate"/> of them (0 to 1) wait <see cref="Delay"/> first, then answer <see cref="Status"/> instead of
/// being served (or are served, when there is no status).
/// </summary>
internal sealed record Faults(double Rate, int? Status, TimeSpan Delay)
{
    public static readonly Faults None = new(0, null, TimeSpan.Zero);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

    public override string ToString() =>
        $"rate={Rate.ToString(CultureInfo.InvariantCulture)} status={(Status is { } status ? status : "none")} delay={(int)Delay.TotalMilliseconds}ms";

    public static double ParseRate(string value) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1
            ? rate
            : throw new FormatException($"'{value}' is not a share from 0 to 1, such as 0.1");

    /// <summary>A status from 400 to 599, or "none".</summary>
    public static int? ParseStatus(string value) =>
        value == "none" ? null
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 400 and <= 599
            ? status
            : throw new FormatException($"'{value}' is not a status from 400 to 599, or none");

    public static TimeSpan ParseDelay(string value) => GoDuration.Parse(value, MaxDelay, "200ms");

    /// <summary>A rate with nothing to do is a mistake worth one line.</summary>
    public Faults Checked() => Rate > 0 && Status is null && Delay == TimeSpan.Zero
        ? throw new FormatException($"a fault rate of {Rate.ToString(CultureInfo.InvariantCulture)} needs a status or a delay")
        : this;
}

/// <summary>The faults in force: those of the settings, until <c>POST /faults</c> replaces them. One reference, swapped whole.</summary>
internal sealed class FaultState(WhoAmISettings settings)
{
    Faults _current = settings.Faults;

    public Faults Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}

internal static class FaultInjection
{
    /// <summary>Paths a fault never touches: the probes, the switches and the metrics, which whoever runs the replica
    /// relies on (a failed scrape would read as the replica down, not as its requests failing).</summary>
    static readonly string[] ControlPaths = ["/health", "/ready", "/ready/disable", "/ready/enable", "/faults", "/metrics"];

    /// <summary>Added only when faults are set at start or may be set at run time (<c>--fault-switch</c>): otherwise
    /// no request pays for it.</summary>
    public static IApplicationBuilder UseFaultInjection(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<WhoAmISettings>();
        if (settings.Faults.Rate == 0 && !settings.FaultSwitch)
        {
            return app;
        }

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
