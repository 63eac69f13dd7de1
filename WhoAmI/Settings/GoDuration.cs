using System.Globalization;

namespace WhoAmI.Settings;

/// <summary>Durations written as Go writes them: <c>250ms</c>, <c>2s</c>, <c>1m</c>, <c>1h2m3.5s</c> (units ns, us, µs, ms, s, m, h).</summary>
/// <remarks>Stands in for Go's <c>time.ParseDuration</c>, which .NET has no twin of (TimeSpan.Parse reads <c>00:00:02</c>):
/// the flags and <c>wait=</c> promise Go's syntax, as traefik/whoami's do. Keep it while they do.</remarks>
internal static class GoDuration
{
    /// <summary>A duration from 0 to <paramref name="max"/>; otherwise a FormatException naming the range and
    /// <paramref name="examples"/>, for a setting's or a parameter's one line.</summary>
    public static TimeSpan Parse(string value, TimeSpan max, string examples) =>
        TryParse(value, out var duration) && duration <= max
            ? duration
            : throw new FormatException($"'{value}' is not a duration from 0s to {max.TotalSeconds:0}s, such as {examples}");

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text) || text == "0")
        {
            return text == "0";
        }

        var ticks = 0.0;
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var numberLength = rest.IndexOfAnyExcept("0123456789.");
            if (numberLength <= 0 || !double.TryParse(rest[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            rest = rest[numberLength..];
            var unitLength = rest.IndexOfAny("0123456789.");
            var unit = unitLength < 0 ? rest : rest[..unitLength];
            double? ticksPerUnit = unit switch
            {
                "ns" => TimeSpan.TicksPerMicrosecond / 1000.0,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => null,
            };
            if (ticksPerUnit is null)
            {
                return false;
            }

            ticks += number * ticksPerUnit.Value;
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }

            rest = rest[unit.Length..];
        }

        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }
}
