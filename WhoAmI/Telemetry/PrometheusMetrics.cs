using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace WhoAmI.Telemetry;

/// <summary>
/// <c>--metrics</c>: the instruments ASP.NET Core, Kestrel and the runtime already publish through
/// <c>System.Diagnostics.Metrics</c> (request duration by route and status, requests in flight, connections, GC,
/// memory, CPU, thread pool), kept in memory by a <see cref="MeterListener"/> and written in the Prometheus text
/// format with the names OpenTelemetry's Prometheus exporter gives them (<c>http.server.request.duration</c> in
/// seconds → <c>http_server_request_duration_seconds</c>; counters end in <c>_total</c>).
/// Not OpenTelemetry's exporter: with its SDK it added 2.1 MB to every binary, metrics on or off, over the 1.5 MB
/// the issue allows for everything (docs/tuning.md, issue 24).
/// </summary>
/// <remarks>
/// Stands in for OpenTelemetry.Exporter.Prometheus.AspNetCore (a beta, 1.20.1-beta.1 here). Delete it for that
/// exporter when the exporter leaves beta and costs less than keeping this file right does; PrometheusTests scrape it
/// with a real Prometheus and promtool lints it.
/// </remarks>
internal sealed class PrometheusMetrics : IDisposable
{
    /// <summary>The meters exported; each instrument of theirs becomes one metric family.</summary>
    static readonly string[] MeterNames = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];

    /// <summary>OpenTelemetry's default histogram boundaries, for an instrument that advises none.</summary>
    static readonly double[] DefaultBoundaries = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    readonly MeterListener listener = new();
    readonly List<MetricFamily> families = [];

    /// <param name="meterFactory">This host's: ASP.NET Core and Kestrel make their meters with it, so that another
    /// host in the same process (the in-memory tests run many) is not counted here. The runtime's meter has no scope.</param>
    public PrometheusMetrics(IMeterFactory meterFactory)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (MeterNames.Contains(instrument.Meter.Name) && (instrument.Meter.Scope is null || instrument.Meter.Scope == meterFactory))
            {
                var family = new MetricFamily(instrument, Boundaries(instrument));
                lock (families)
                {
                    families.Add(family);
                }

                l.EnableMeasurementEvents(instrument, family);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        listener.Start();
    }

    static double[]? Boundaries(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBoundaries,
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBoundaries,
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBoundaries,
        _ => null,
    };

    /// <summary>Every family in the text format, the observable instruments (GC, memory, CPU) read now.</summary>
    public string Scrape()
    {
        listener.RecordObservableInstruments();
        MetricFamily[] snapshot;
        lock (families)
        {
            snapshot = [.. families];
        }

        var text = new StringBuilder();
        foreach (var family in snapshot.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            family.Write(text);
        }

        return text.ToString();
    }

    public void Dispose() => listener.Dispose();
}

/// <summary>
/// One instrument's series, one per distinct set of tags, and how Prometheus names and types them. Recording takes
/// no lock (every request records three measurements, from every core): the series are an array replaced whole when
/// one is added, and their figures change by Interlocked operations. A scrape may see a request in a bucket and not
/// yet in the sum; a histogram's count is the sum of its buckets, so the two always agree.
/// </summary>
internal sealed class MetricFamily
{
    readonly Kind kind;
    readonly double[]? boundaries;
    readonly Lock adding = new();
    Series[] series = [];

    public MetricFamily(Instrument instrument, double[]? boundaries)
    {
        kind = instrument switch
        {
            _ when boundaries is not null => Kind.Histogram,
            // Observable counters report their running total; the others add what they are given.
            ObservableCounter<long> or ObservableCounter<double> or ObservableCounter<int> => Kind.ObservedTotal,
            Counter<long> or Counter<double> or Counter<int> => Kind.Total,
            UpDownCounter<long> or UpDownCounter<double> or UpDownCounter<int> => Kind.Sum,
            _ => Kind.Last, // gauges and observable up-down counters
        };
        this.boundaries = boundaries;
        Name = PrometheusName(instrument.Name, instrument.Unit, kind is Kind.Total or Kind.ObservedTotal);
        Help = instrument.Description ?? "";
    }

    enum Kind { Histogram, Total, ObservedTotal, Sum, Last }

    public string Name { get; }

    public string Help { get; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var s = Find(tags);
        switch (kind)
        {
            case Kind.Histogram:
                var bucket = Array.BinarySearch(boundaries!, value);
                // An exact boundary belongs to its own bucket (le is "less than or equal").
                Interlocked.Increment(ref s.Buckets![bucket >= 0 ? bucket : ~bucket]);
                Add(ref s.Value, value);
                break;
            case Kind.Total or Kind.Sum:
                Add(ref s.Value, value);
                break;
            default:
                Volatile.Write(ref s.Value, value);
                break;
        }
    }

    static void Add(ref double total, double value)
    {
        double seen, next;
        do
        {
            seen = Volatile.Read(ref total);
            next = seen + value;
        }
        // Compared by bits: a NaN (never given by these instruments) must not loop forever.
        while (BitConverter.DoubleToInt64Bits(Interlocked.CompareExchange(ref total, next, seen)) != BitConverter.DoubleToInt64Bits(seen));
    }

    /// <summary>The series with these tags, in any order; a new one the first time (looked for again under the
    /// lock, in case another thread added it meanwhile).</summary>
    Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Matching(Volatile.Read(ref series), tags) is { } found)
        {
            return found;
        }

        lock (adding)
        {
            if (Matching(series, tags) is { } added)
            {
                return added;
            }

            added = new Series(tags.ToArray(), LabelText(tags), boundaries is null ? null : new long[boundaries.Length + 1]);
            Volatile.Write(ref series, [.. series, added]);
            return added;
        }
    }

    static Series? Matching(Series[] all, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var s in all)
        {
            if (s.Matches(tags))
            {
                return s;
            }
        }

        return null;
    }

    /// <summary><c>key="value"</c> pairs, sorted by key, names sanitized and values escaped: written once per series,
    /// then on each of its lines.</summary>
    static string LabelText(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var sorted = tags.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return string.Join(',', sorted.Select(tag =>
        {
            var formatted = tag.Value switch
            {
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => tag.Value?.ToString() ?? "",
            };
            return $"{LabelName(tag.Key)}=\"{formatted.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n")}\"";
        }));
    }

    public void Write(StringBuilder text)
    {
        var series = Volatile.Read(ref this.series);
        if (series.Length == 0)
        {
            return;
        }

        var type = kind switch { Kind.Histogram => "histogram", Kind.Total or Kind.ObservedTotal => "counter", _ => "gauge" };
        text.Append("# HELP ").Append(Name).Append(' ').Append(Help.Replace("\\", @"\\").Replace("\n", @"\n")).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
        foreach (var s in series)
        {
            if (kind != Kind.Histogram)
            {
                Sample(text, Name, s.Labels, null, Volatile.Read(ref s.Value));
                continue;
            }

            long cumulative = 0;
            for (var i = 0; i <= boundaries!.Length; i++)
            {
                cumulative += Volatile.Read(ref s.Buckets![i]);
                var le = i < boundaries.Length ? Number(boundaries[i]) : "+Inf";
                Sample(text, Name + "_bucket", s.Labels, le, cumulative);
            }

            Sample(text, Name + "_sum", s.Labels, null, Volatile.Read(ref s.Value));
            Sample(text, Name + "_count", s.Labels, null, cumulative);
        }
    }

    /// <summary>One line: the name, the series' labels and a bucket's <c>le</c> (braces only when there is one), the value.</summary>
    static void Sample(StringBuilder text, string name, string labels, string? le, double value)
    {
        text.Append(name);
        var inBraces = le is null ? labels : labels.Length == 0 ? $"le=\"{le}\"" : $"{labels},le=\"{le}\"";
        if (inBraces.Length > 0)
        {
            text.Append('{').Append(inBraces).Append('}');
        }

        text.Append(' ').Append(Number(value)).Append('\n');
    }

    static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>OpenTelemetry's Prometheus names: invalid characters become '_', the unit is spelled out as a
    /// suffix (annotations in braces are dropped), counters end in <c>_total</c>.</summary>
    internal static string PrometheusName(string name, string? unit, bool isCounter)
    {
        var suffix = unit switch
        {
            null or "" or "1" => "",
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "%" => "percent",
            _ when unit.StartsWith('{') => "",
            _ => unit,
        };
        var result = LabelName(name);
        if (suffix.Length > 0 && !result.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            result += "_" + LabelName(suffix);
        }

        return isCounter && !result.EndsWith("_total", StringComparison.Ordinal) ? result + "_total" : result;
    }

    static string LabelName(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_')
            {
                chars[i] = '_';
            }
        }

        return char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
    }

    /// <param name="asGiven">The tags in the order the instrument first gave them, which it keeps: the quick match.</param>
    /// <param name="labels">The same as the text between a line's braces (<see cref="LabelText"/>).</param>
    sealed class Series(KeyValuePair<string, object?>[] asGiven, string labels, long[]? buckets)
    {
        public string Labels { get; } = labels;

        /// <summary>A histogram's count per bucket, the last one above every boundary (+Inf).</summary>
        public readonly long[]? Buckets = buckets;

        /// <summary>A histogram's sum, a counter's total, a gauge's last value.</summary>
        public double Value;

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != asGiven.Length)
            {
                return false;
            }

            var inOrder = true;
            for (var i = 0; i < tags.Length && inOrder; i++)
            {
                inOrder = string.Equals(asGiven[i].Key, tags[i].Key, StringComparison.Ordinal) && Equals(asGiven[i].Value, tags[i].Value);
            }

            if (inOrder)
            {
                return true;
            }

            foreach (var (key, value) in tags)
            {
                var found = false;
                foreach (var label in asGiven)
                {
                    if (string.Equals(label.Key, key, StringComparison.Ordinal))
                    {
                        found = Equals(label.Value, value);
                        break;
                    }
                }

                if (!found)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
