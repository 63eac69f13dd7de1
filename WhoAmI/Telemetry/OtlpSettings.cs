namespace WhoAmI.Telemetry;

/// <summary>
/// Where and how spans are sent, from the standard OpenTelemetry variables
/// (https://opentelemetry.io/docs/specs/otel/protocol/exporter/): tracing is on when either endpoint variable is set.
/// </summary>
internal sealed record OtlpSettings(Uri TracesEndpoint, IReadOnlyList<KeyValuePair<string, string>> Headers, string ServiceName)
{
    public const string DefaultServiceName = "whoami";

    public static OtlpSettings? Resolve(string? endpoint, string? tracesEndpoint, string? headers, string? protocol, string? serviceName)
    {
        if (protocol is not null && protocol != "http/protobuf")
        {
            throw new OtlpSettingsException("OTEL_EXPORTER_OTLP_PROTOCOL", $"'{protocol}' is not spoken here; only http/protobuf is");
        }

        // The signal's own variable is the whole URL; the general one is a base that /v1/traces is added to.
        var url = tracesEndpoint is not null ? Url("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", tracesEndpoint, null)
            : endpoint is not null ? Url("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "v1/traces")
            : null;
        return url is null ? null : new OtlpSettings(url, ParseHeaders(headers ?? ""), serviceName ?? DefaultServiceName);
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
