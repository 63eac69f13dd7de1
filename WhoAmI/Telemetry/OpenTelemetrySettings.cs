using System.Globalization;

namespace WhoAmI.Telemetry;

/// <summary>
/// The standard OpenTelemetry variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/)
/// as given, for OpenTelemetry .NET to read (<see cref="OpenTelemetryExport"/>). The SDK ignores a value it cannot read;
/// the common ones are checked here instead, so that a typo is one line and exit 2, not telemetry that never comes.
/// </summary>
internal sealed record OpenTelemetrySettings(IReadOnlyDictionary<string, string> Variables)
{
    public static readonly OpenTelemetrySettings None = new(new Dictionary<string, string>());

    /// <summary>The variables of the settings table, checked (<see cref="Check"/>); each has a row in the README.</summary>
    public static readonly IReadOnlyList<(string Name, string Default, string Description)> Checked =
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP collector URL, e.g. http://collector:4318: export traces, metrics and logs there"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", Protocol, "http/protobuf, or grpc (Aspire's default; a collector's port 4317)"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "", "Headers sent with each export, key=value,… (URL-encoded values)"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10000", "How long one export may take, in milliseconds"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "none", "gzip, or none"),
        ("OTEL_SERVICE_NAME", ServiceName, "service.name of the telemetry"),
        ("OTEL_RESOURCE_ATTRIBUTES", "", "More resource attributes, key=value,… (service.version and host.name are set unless given)"),
        ("OTEL_TRACES_SAMPLER", "parentbased_always_on", "Which requests are traced: parentbased_… follows a traceparent; traceidratio samples"),
        ("OTEL_TRACES_SAMPLER_ARG", "1", "The share of traces a traceidratio sampler keeps, 0 to 1"),
        ("OTEL_SDK_DISABLED", "false", "true: export nothing, whatever the variables above say"),
    ];

    /// <summary>Passed on to the SDK as given: each signal's own exporter settings, the batch and metric reader
    /// settings, TLS files and limits, which OpenTelemetry .NET 1.21 reads (its OTLP exporter's README).</summary>
    public static readonly IReadOnlyList<string> PassedOn =
    [
        .. new[] { "TRACES", "METRICS", "LOGS" }.SelectMany(signal => new[] { "ENDPOINT", "PROTOCOL", "HEADERS", "TIMEOUT", "COMPRESSION" }
            .Select(setting => $"OTEL_EXPORTER_OTLP_{signal}_{setting}")),
        "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
        "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "OTEL_BLRP_SCHEDULE_DELAY", "OTEL_BLRP_EXPORT_TIMEOUT", "OTEL_BLRP_MAX_QUEUE_SIZE", "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
        "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_METRIC_EXPORT_TIMEOUT", "OTEL_METRICS_EXEMPLAR_FILTER",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT",
        "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY",
    ];

    /// <summary>The specification's default; OpenTelemetry .NET's own would be grpc on port 4317.</summary>
    public const string Protocol = "http/protobuf";

    public const string ServiceName = "whoami";

    static readonly string[] Endpoints = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"];

    /// <summary>Whether anything is exported: an endpoint is set and the SDK is not disabled. Otherwise nothing of
    /// OpenTelemetry is registered at all.</summary>
    public bool Exports => Endpoints.Any(Variables.ContainsKey) && Get("OTEL_SDK_DISABLED") != "true";

    public string? Get(string name) => Variables.TryGetValue(name, out var value) ? value : null;

    /// <summary>What the SDK is given: the variables, and the defaults this service chooses where none is given: the
    /// specification's protocol, its service name, and retries with backoff on 429, 502, 503 and 504 (Retry-After
    /// honoured), which the specification asks for and OpenTelemetry .NET 1.21 does only when asked.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ForSdk()
    {
        var given = Variables.ToDictionary(v => v.Key, v => (string?)v.Value);
        given.TryAdd("OTEL_EXPORTER_OTLP_PROTOCOL", Protocol);
        given.TryAdd("OTEL_SERVICE_NAME", ServiceName);
        given.TryAdd("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY", "in_memory");
        return given;
    }

    /// <summary>The keys of <c>OTEL_RESOURCE_ATTRIBUTES</c>, so that this service's own defaults never replace them.</summary>
    public IReadOnlySet<string> ResourceAttributeKeys =>
        Pairs(Get("OTEL_RESOURCE_ATTRIBUTES") ?? "").Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>One line naming the variable for a value the SDK would ignore; the variables unchanged otherwise.</summary>
    public OpenTelemetrySettings Check()
    {
        foreach (var (name, value) in Variables)
        {
            var problem = name switch
            {
                _ when name.EndsWith("_ENDPOINT", StringComparison.Ordinal) => IsUrl(value) ? null
                    : $"'{value}' is not an http:// or https:// URL without a query, e.g. http://collector:4318",
                _ when name.EndsWith("_PROTOCOL", StringComparison.Ordinal) => value is "grpc" or "http/protobuf" ? null
                    : $"'{value}' is not grpc or http/protobuf",
                _ when name.EndsWith("_TIMEOUT", StringComparison.Ordinal) && name.StartsWith("OTEL_EXPORTER_", StringComparison.Ordinal) =>
                    int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? null : $"'{value}' is not a number of milliseconds",
                _ when name.EndsWith("_COMPRESSION", StringComparison.Ordinal) => value is "gzip" or "none" ? null : $"'{value}' is not gzip or none",
                // The values are not repeated: headers carry credentials.
                _ when name.EndsWith("_HEADERS", StringComparison.Ordinal) => IsPairs(value) ? null : "is not key=value,… (URL-encoded values)",
                "OTEL_RESOURCE_ATTRIBUTES" => IsPairs(value) ? null : $"'{value}' is not key=value,…",
                "OTEL_TRACES_SAMPLER" => Samplers.Contains(value) ? null : $"'{value}' is not one of {string.Join(", ", Samplers)}",
                "OTEL_TRACES_SAMPLER_ARG" => double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ratio)
                    && ratio is >= 0 and <= 1 ? null : $"'{value}' is not a ratio from 0 to 1, such as 0.1",
                "OTEL_SDK_DISABLED" => value is "true" or "false" ? null : $"'{value}' is not true or false",
                _ => null,
            };
            if (problem is not null)
            {
                throw new FormatException($"{name}: {problem}");
            }
        }

        return this;
    }

    static readonly string[] Samplers = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
        "parentbased_traceidratio"];

    static bool IsUrl(string value) => Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
        && url.Host.Length > 0 && url.Query.Length == 0 && url.Fragment.Length == 0 && url.UserInfo.Length == 0;

    /// <summary><c>key=value</c> pairs, comma-separated, values URL-encoded (the W3C baggage format the specification uses).</summary>
    static IEnumerable<KeyValuePair<string, string>> Pairs(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(pair =>
        {
            var equals = pair.IndexOf('=');
            return equals > 0 ? KeyValuePair.Create(pair[..equals].Trim(), pair[(equals + 1)..].Trim()) : KeyValuePair.Create("", "");
        });

    static bool IsPairs(string value) => Pairs(value).All(p => p.Key.Length > 0 && !p.Key.Any(c => c <= ' ' || c >= 127 || c == ':')
        && !Uri.UnescapeDataString(p.Value).Any(c => c is '\r' or '\n'));
}
