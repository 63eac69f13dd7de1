using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;

namespace WhoAmI.Telemetry;

/// <summary>The OpenTelemetry variables as given; <see cref="OtlpSettings.Resolve"/> checks them.</summary>
internal sealed record OtlpVariables(string? Endpoint = null, string? TracesEndpoint = null, string? Headers = null,
    string? Protocol = null, string? ServiceName = null, string? Sampler = null, string? SamplerArgument = null);

/// <summary>
/// Where and how spans are sent, and which, from the standard OpenTelemetry variables
/// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/): tracing is on when either
/// endpoint variable is set. <paramref name="SampleRatio"/> is the share of traces sampled where this service decides,
/// and with <paramref name="ParentBased"/> it decides only for requests that came without a <c>traceparent</c>.
/// </summary>
internal sealed record OtlpSettings(Uri TracesEndpoint, IReadOnlyList<KeyValuePair<string, string>> Headers, string ServiceName,
    double SampleRatio, bool ParentBased)
{
    public const string DefaultServiceName = "whoami";

    public static OtlpSettings? Resolve(OtlpVariables v)
    {
        if (v.Protocol is not null && v.Protocol != "http/protobuf")
        {
            throw new OtlpSettingsException("OTEL_EXPORTER_OTLP_PROTOCOL", $"'{v.Protocol}' is not spoken here; only http/protobuf is");
        }

        var (ratio, parentBased) = Sampler(v.Sampler, v.SamplerArgument);
        // The signal's own variable is the whole URL; the general one is a base that /v1/traces is added to.
        var url = v.TracesEndpoint is not null ? Url("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", v.TracesEndpoint, null)
            : v.Endpoint is not null ? Url("OTEL_EXPORTER_OTLP_ENDPOINT", v.Endpoint, "v1/traces")
            : null;
        return url is null ? null : new OtlpSettings(url, ParseHeaders(v.Headers ?? ""), v.ServiceName ?? DefaultServiceName, ratio, parentBased);
    }

    /// <summary>The SDK's samplers by their names; the ratio ones take the argument, 0 to 1 (default 1).</summary>
    static (double Ratio, bool ParentBased) Sampler(string? name, string? argument)
    {
        double Ratio() => argument is null ? 1
            : double.TryParse(argument, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r
            : throw new OtlpSettingsException("OTEL_TRACES_SAMPLER_ARG", $"'{argument}' is not a ratio from 0 to 1, such as 0.1");
        return name switch
        {
            null or "parentbased_always_on" => (1, true),
            "parentbased_always_off" => (0, true),
            "parentbased_traceidratio" => (Ratio(), true),
            "always_on" => (1, false),
            "always_off" => (0, false),
            "traceidratio" => (Ratio(), false),
            _ => throw new OtlpSettingsException("OTEL_TRACES_SAMPLER", $"'{name}' is not one of parentbased_always_on, " +
                "parentbased_always_off, parentbased_traceidratio, always_on, always_off, traceidratio"),
        };
    }

    /// <summary>Whether a request's span is recorded and sent: the caller's choice when parent-based and there is a
    /// caller, else the trace id's random low 56 bits against the ratio (the same trace is sampled everywhere).</summary>
    public bool Samples(in ActivityContext parent, ActivityTraceId traceId)
    {
        if (ParentBased && parent.TraceId != default)
        {
            return parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded);
        }

        Span<byte> id = stackalloc byte[16];
        traceId.CopyTo(id);
        return (BinaryPrimitives.ReadUInt64BigEndian(id[8..]) & 0x00FF_FFFF_FFFF_FFFF) < SampleRatio * 0x0100_0000_0000_0000;
    }

    static Uri Url(string variable, string value, string? signalPath)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0
            || url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Length > 0)
        {
            throw new OtlpSettingsException(variable, $"'{value}' is not an http:// or https:// URL without a query, e.g. http://collector:4318");
        }

        return signalPath is null ? url : new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + signalPath);
    }

    /// <summary><c>key=value</c> pairs, comma-separated, values URL-encoded (the W3C baggage format the spec uses).</summary>
    static KeyValuePair<string, string>[] ParseHeaders(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(pair =>
        {
            var equals = pair.IndexOf('=');
            var name = equals > 0 ? pair[..equals].Trim() : "";
            var headerValue = equals > 0 ? Uri.UnescapeDataString(pair[(equals + 1)..].Trim()) : "";
            if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || c == ':') || headerValue.Any(c => c is '\r' or '\n'))
            {
                // The value is not repeated: headers carry credentials.
                throw new OtlpSettingsException("OTEL_EXPORTER_OTLP_HEADERS", "is not key=value,… (URL-encoded values)");
            }

            return KeyValuePair.Create(name, headerValue);
        })];
}

internal sealed class OtlpSettingsException(string variable, string message) : Exception(message)
{
    public string Variable { get; } = variable;
}
