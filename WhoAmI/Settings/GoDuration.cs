namespace WhoAmI.Settings;

/// <summary>Durations written as Go writes them: <c>250ms</c>, <c>2s</c>, <c>1m</c>, <c>1h2m3.5s</c> (units ns, us, µs, μs, ms, s,
/// m, h; an optional sign), parsed as Go's <c>time.ParseDuration</c> parses them.</summary>
/// <remarks>Stands in for Go's <c>time.ParseDuration</c>, which .NET has no twin of (TimeSpan.Parse reads <c>00:00:02</c>):
/// the flags and <c>wait=</c> promise Go's syntax, as traefik/whoami's do. Keep it while they do. A port of Go 1.19's
/// src/time/format.go, step for step, with its integer and float arithmetic: GoDurationTests feed it and Go's own
/// parser the same edge cases and a thousand generated strings.</remarks>
internal static class GoDuration
{
    /// <summary>A duration from 0 to <paramref name="max"/>; otherwise a FormatException naming the range and
    /// <paramref name="examples"/>, for a setting's or a parameter's one line.</summary>
    public static TimeSpan Parse(string value, TimeSpan max, string examples) =>
        TryParse(value, max, out var duration)
            ? duration
            : throw new FormatException($"'{value}' is not a duration from 0s to {max.TotalSeconds:0}s, such as {examples}");

    /// <summary>Whether <paramref name="text"/> is a Go duration from 0 to <paramref name="max"/>, compared in
    /// nanoseconds: <c>60.000000001s</c> is over 60 s, though TimeSpan's 100 ns ticks would round it to 60 s.</summary>
    public static bool TryParse(string? text, TimeSpan max, out TimeSpan duration)
    {
        var ok = TryParseNanoseconds(text, out var nanoseconds) && nanoseconds >= 0 && nanoseconds <= max.Ticks * NanosecondsPerTick;
        duration = ok ? TimeSpan.FromTicks(nanoseconds / NanosecondsPerTick) : TimeSpan.Zero;
        return ok;
    }

    const long NanosecondsPerTick = 100;

    static readonly Dictionary<string, ulong> Units = new(StringComparer.Ordinal)
    {
        ["ns"] = 1,
        ["us"] = 1_000,
        ["µs"] = 1_000, // U+00B5, the micro sign
        ["μs"] = 1_000, // U+03BC, the Greek small letter mu
        ["ms"] = 1_000_000,
        ["s"] = 1_000_000_000,
        ["m"] = 60_000_000_000,
        ["h"] = 3_600_000_000_000,
    };

    // Looked up by span: a ?wait= on every request allocates no string for its unit.
    static readonly Dictionary<string, ulong>.AlternateLookup<ReadOnlySpan<char>> UnitsBySpan = Units.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Go's <c>time.ParseDuration</c>: <c>[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+</c>, or <c>0</c>, as nanoseconds;
    /// false where Go returns an error.</summary>
    public static bool TryParseNanoseconds(string? text, out long nanoseconds)
    {
        nanoseconds = 0;
        var s = (text ?? "").AsSpan();
        ulong d = 0;
        var negative = false;
        if (!s.IsEmpty && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        while (!s.IsEmpty)
        {
            if (!(s[0] == '.' || char.IsAsciiDigit(s[0])))
            {
                return false;
            }

            var before = s.Length;
            if (!LeadingInt(ref s, out var v))
            {
                return false;
            }

            var pre = before != s.Length;
            ulong f = 0;
            var scale = 1.0;
            var post = false;
            if (!s.IsEmpty && s[0] == '.')
            {
                s = s[1..];
                before = s.Length;
                (f, scale) = LeadingFraction(ref s);
                post = before != s.Length;
            }

            if (!pre && !post)
            {
                return false;
            }

            var unitLength = s.IndexOfAny(".0123456789");
            if (unitLength < 0)
            {
                unitLength = s.Length;
            }

            if (unitLength == 0 || !UnitsBySpan.TryGetValue(s[..unitLength], out var unit))
            {
                return false;
            }

            s = s[unitLength..];
            if (v > (1UL << 63) / unit)
            {
                return false;
            }

            v *= unit;
            if (f > 0)
            {
                // As Go: float64 is nanosecond-accurate for fractions of hours, and the conversion truncates.
                v += (ulong)(f * (unit / scale));
                if (v > 1UL << 63)
                {
                    return false;
                }
            }

            d += v;
            if (d > 1UL << 63)
            {
                return false;
            }
        }

        if (negative)
        {
            nanoseconds = -(long)d; // 1 << 63 itself wraps to long.MinValue, as Go's -Duration(d) does
            return true;
        }

        if (d > long.MaxValue)
        {
            return false;
        }

        nanoseconds = (long)d;
        return true;
    }

    /// <summary>Go's <c>leadingInt</c>: the leading digits, false on overflow.</summary>
    static bool LeadingInt(ref ReadOnlySpan<char> s, out ulong x)
    {
        x = 0;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (x > (1UL << 63) / 10)
            {
                return false;
            }

            x = x * 10 + (ulong)(s[i] - '0');
            if (x > 1UL << 63)
            {
                return false;
            }
        }

        s = s[i..];
        return true;
    }

    /// <summary>Go's <c>leadingFraction</c>: the leading digits as a fraction; digits past what fits are dropped.</summary>
    static (ulong X, double Scale) LeadingFraction(ref ReadOnlySpan<char> s)
    {
        ulong x = 0;
        var scale = 1.0;
        var overflow = false;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (overflow)
            {
                continue;
            }

            if (x > (ulong)long.MaxValue / 10)
            {
                overflow = true;
                continue;
            }

            var y = x * 10 + (ulong)(s[i] - '0');
            if (y > 1UL << 63)
            {
                overflow = true;
                continue;
            }

            x = y;
            scale *= 10;
        }

        s = s[i..];
        return (x, scale);
    }
}
