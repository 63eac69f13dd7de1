using System.Globalization;

namespace WhoAmI.Settings;

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
