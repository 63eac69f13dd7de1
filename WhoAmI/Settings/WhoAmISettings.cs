using System.Globalization;
using System.Text;
using WhoAmI.Telemetry;

namespace WhoAmI.Settings;

/// <summary>
/// Every flag and environment variable the service reads, parsed once at start. Flags win over environment
/// variables; <see cref="Listen"/> is where the service listens, by <see cref="ListenAddress"/>'s rule.
/// </summary>
internal sealed record WhoAmISettings
{
    public const long DefaultMaxDataBytes = 1L << 30;

    /// <summary>Shown as <c>Name:</c> on <c>/</c> and <c>name</c> on <c>/api</c>.</summary>
    public string? Name { get; init; }

    /// <summary>Port from <c>--port</c> or <c>WHOAMI_PORT_NUMBER</c>; null when neither was given.</summary>
    public int? Port { get; init; }

    /// <summary>ASP.NET Core's own <c>--urls</c>, ';'-separated; null when not given.</summary>
    public string? Urls { get; init; }

    /// <summary><c>PORT</c>, as Cloud Run, Heroku or Fly set it; null when not set.</summary>
    public int? PlatformPort { get; init; }

    /// <summary>ASP.NET Core's <c>ASPNETCORE_URLS</c>; null when not set.</summary>
    public string? AspNetCoreUrls { get; init; }

    /// <summary>ASP.NET Core's <c>ASPNETCORE_HTTP_PORTS</c> (the .NET base images set it); null when not set.</summary>
    public string? AspNetCoreHttpPorts { get; init; }

    /// <summary>Where the service listens, resolved from the settings above by <see cref="Parse"/>.</summary>
    public ListenAddress Listen { get; init; } = ListenAddress.Resolve(null, null, null, null, null, https: false);

    /// <summary>PEM certificate (and chain) to serve HTTPS with, from <c>--cert</c> or <c>WHOAMI_CERT</c>.</summary>
    public string? CertFile { get; init; }

    /// <summary>PEM private key of <see cref="CertFile"/>, from <c>--key</c> or <c>WHOAMI_KEY</c>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>PEM CA certificates that client certificates must chain to (mutual TLS).</summary>
    public string? CaCertFile { get; init; }

    /// <summary>One access-log line per request.</summary>
    public bool Verbose { get; init; }

    /// <summary>How log lines are written: text (the console logger's single line) or one JSON object per line.</summary>
    public LogFormat LogFormat { get; init; }

    /// <summary>Leaves this server's own addresses out of <c>/</c>, <c>/api</c>, <c>/chain</c> and gRPC (traefik/whoami#149: behind a
    /// CDN they would show the origin).</summary>
    public bool MaskIps { get; init; }

    /// <summary>Lets <c>env=true</c> show the environment. Off by default: an environment holds secrets.</summary>
    public bool ExposeEnvironment { get; init; }

    /// <summary>The largest answer <c>/data</c> may stream.</summary>
    public long MaxDataBytes { get; init; } = DefaultMaxDataBytes;

    /// <summary>How long <c>/ready</c> answers 503, everything else still served, between SIGTERM and the server
    /// stopping (<see cref="Lifecycle.ShutdownSequence"/>). Zero by default: <c>docker stop</c> stays quick.</summary>
    public TimeSpan DrainDelay { get; init; }

    /// <summary>What a share of requests suffers from the start (<see cref="Server.FaultInjection"/>); none by default.</summary>
    public Faults Faults { get; init; } = Faults.None;

    /// <summary>Maps <c>GET</c> and <c>POST /faults</c>, to read and change <see cref="Faults"/> at run time.</summary>
    public bool FaultSwitch { get; init; }

    /// <summary>Maps <c>POST /ready/disable</c> and <c>/ready/enable</c>. Off by default: anyone who reaches the port
    /// could take the replica out of rotation.</summary>
    public bool ReadySwitch { get; init; }

    /// <summary>Serves <c>/metrics</c> in the Prometheus text format (<see cref="Telemetry.PrometheusMetrics"/>).</summary>
    public bool Metrics { get; init; }

    /// <summary>The services <c>GET /chain</c> calls, in order (<see cref="Endpoints.ChainEndpoints"/>); fixed at start, never
    /// taken from a request. None by default: <c>/chain</c> then answers with this hop alone, the end of a chain.</summary>
    public IReadOnlyList<Uri> Backends { get; init; } = [];

    /// <summary>How long <c>/chain</c> waits for each backend's answer, the backend's own calls included.</summary>
    public TimeSpan BackendTimeout { get; init; } = DefaultBackendTimeout;

    public static readonly TimeSpan DefaultBackendTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The OTEL_ variables given, for OpenTelemetry .NET (<see cref="OpenTelemetryExport"/>); none by default.</summary>
    public OpenTelemetrySettings OpenTelemetry { get; init; } = OpenTelemetrySettings.None;

    /// <summary>Ask the local <c>/health</c> endpoint and exit 0 (healthy) or 1, for a shell-less HEALTHCHECK.</summary>
    public bool Probe { get; init; }

    public bool Help { get; init; }

    /// <summary>One row per setting: the flag, its environment variable, its default and its meaning. The
    /// README's settings table mirrors these rows.</summary>
    public static readonly IReadOnlyList<Setting> All =
    [
        new("--name", "WHOAMI_NAME", "", "Name shown on / and /api",
            (s, v) => s with { Name = v }),
        new("--port", "WHOAMI_PORT_NUMBER", ListenAddress.DefaultPort.ToString(CultureInfo.InvariantCulture),
            "Port to listen on, all interfaces (see precedence in the README)", (s, v) => s with { Port = ListenAddress.ParsePort(v) }),
        new("--urls", null, "", "ASP.NET Core listen URLs, ';'-separated, e.g. http://127.0.0.1:9000 (wins over --port)",
            (s, v) => s with { Urls = ListenAddress.Validate(v) }),
        new(null, "PORT", "", "Port, as PaaS platforms set it, when neither --port nor WHOAMI_PORT_NUMBER is given",
            (s, v) => s with { PlatformPort = ListenAddress.ParsePort(v) }),
        new(null, "ASPNETCORE_URLS", "", "ASP.NET Core listen URLs, when no port setting above is given",
            (s, v) => s with { AspNetCoreUrls = v }),
        new(null, "ASPNETCORE_HTTP_PORTS", "", "Ports, ';'-separated, when no listen setting above is given (the image sets the default port)",
            (s, v) => s with { AspNetCoreHttpPorts = v }),
        new("--cert", "WHOAMI_CERT", "", "PEM certificate file: serve HTTPS (HTTP/1.1 and HTTP/2) on the port; needs --key",
            (s, v) => s with { CertFile = v }),
        new("--key", "WHOAMI_KEY", "", "PEM private key file of --cert",
            (s, v) => s with { KeyFile = v }),
        new("--cacert", "WHOAMI_CACERT", "", "PEM CA file: require client certificates signed by it (mutual TLS)",
            (s, v) => s with { CaCertFile = v }),
        new("--verbose", "WHOAMI_VERBOSE", "false", "Write one access-log line per request",
            (s, v) => s with { Verbose = ParseBool(v) }, IsSwitch: true),
        new("--log-format", "WHOAMI_LOG_FORMAT", "text", "Log lines as text, or as json: one object per line",
            (s, v) => s with { LogFormat = ParseLogFormat(v) }),
        new("--expose-env", "WHOAMI_EXPOSE_ENV", "false", "Allow env=true on / and /api to show the environment",
            (s, v) => s with { ExposeEnvironment = ParseBool(v) }, IsSwitch: true),
        new("--mask-ips", "WHOAMI_MASK_IPS", "false", "Leave this server's own addresses out of /, /api, /chain and gRPC",
            (s, v) => s with { MaskIps = ParseBool(v) }, IsSwitch: true),
        new("--max-data-bytes", "WHOAMI_MAX_DATA_BYTES", DefaultMaxDataBytes.ToString(CultureInfo.InvariantCulture),
            "Largest answer /data may give, in bytes", (s, v) => s with { MaxDataBytes = ParseSize(v) }),
        new("--drain-delay", "WHOAMI_DRAIN_DELAY", "0s",
            "After SIGTERM, answer /ready with 503 and keep serving this long before stopping (Go duration, at most 60s)",
            (s, v) => s with { DrainDelay = ParseDrainDelay(v) }),
        new("--ready-switch", "WHOAMI_READY_SWITCH", "false", "Allow POST /ready/disable and /ready/enable to take this replica out of rotation",
            (s, v) => s with { ReadySwitch = ParseBool(v) }, IsSwitch: true),
        new("--fault-rate", "WHOAMI_FAULT_RATE", "0", "Share of requests, 0 to 1, that get the fault below (not /health, /ready, /faults, /metrics, gRPC)",
            (s, v) => s with { Faults = s.Faults with { Rate = Faults.ParseRate(v) } }),
        new("--fault-status", "WHOAMI_FAULT_STATUS", "none", "Status, 400 to 599, those requests answer with instead of being served",
            (s, v) => s with { Faults = s.Faults with { Status = Faults.ParseStatus(v) } }),
        new("--fault-delay", "WHOAMI_FAULT_DELAY", "0s", "Latency those requests get first (Go duration, at most 60s)",
            (s, v) => s with { Faults = s.Faults with { Delay = Faults.ParseDelay(v) } }),
        new("--fault-switch", "WHOAMI_FAULT_SWITCH", "false", "Allow GET and POST /faults to read and change the three above",
            (s, v) => s with { FaultSwitch = ParseBool(v) }, IsSwitch: true),
        new("--metrics", "WHOAMI_METRICS", "false", "Serve /metrics in the Prometheus text format: requests, connections, GC, memory",
            (s, v) => s with { Metrics = ParseBool(v) }, IsSwitch: true),
        new("--backend", "WHOAMI_BACKENDS", "", "URL whose /chain GET /chain calls (a URL with a path is called as it is); repeatable, in order; the variable is comma-separated",
            (s, v) => s with { Backends = [.. s.Backends, .. Chain.BackendUrls.Parse(v)] }, IsRepeatable: true),
        new("--backend-timeout", "WHOAMI_BACKEND_TIMEOUT", "2s", "How long /chain waits for each backend, its own backends included (Go duration, at most 60s)",
            (s, v) => s with { BackendTimeout = ParseBackendTimeout(v) }),
        .. OpenTelemetrySettings.Checked.Select(v => new Setting(null, v.Name, v.Default, v.Description, (s, value) => s.WithOpenTelemetry(v.Name, value))),
        new("--probe", null, "", "Request /health on the local port, exit 0 if it answers 2xx, else 1",
            (s, v) => s with { Probe = ParseBool(v) }, IsSwitch: true),
        new("--help", null, "", "Print this help and exit",
            (s, v) => s with { Help = ParseBool(v) }, IsSwitch: true),
    ];

    public static WhoAmISettings Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var settings = new WhoAmISettings();
        foreach (var setting in All)
        {
            // A repeatable flag replaces its variable's list rather than adding to it: flags win, as for every setting.
            if (setting.IsRepeatable && args.Any(a => SplitFlag(a).Flag == setting.Flag))
            {
                continue;
            }

            if (setting.EnvironmentVariable is { } name && environment(name) is { Length: > 0 } value)
            {
                settings = Apply(setting, settings, value, name);
            }
        }

        foreach (var name in OpenTelemetrySettings.PassedOn)
        {
            if (environment(name) is { Length: > 0 } value)
            {
                settings = settings.WithOpenTelemetry(name, value);
            }
        }

        for (var i = 0; i < args.Count; i++)
        {
            var (flag, inlineValue) = SplitFlag(args[i]);
            var setting = All.FirstOrDefault(s => s.Flag is not null && string.Equals(s.Flag, flag, StringComparison.Ordinal))
                ?? throw new SettingsException($"unknown argument '{args[i]}'");
            var next = setting.IsSwitch ? inlineValue ?? "true"
                : inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new SettingsException($"{flag} needs a value"));
            settings = Apply(setting, settings, next, flag);
        }

        return settings with
        {
            Listen = ResolveListen(settings), Faults = CheckFaults(settings.Faults), OpenTelemetry = CheckOpenTelemetry(settings.OpenTelemetry),
        };
    }

    WhoAmISettings WithOpenTelemetry(string name, string value) =>
        this with { OpenTelemetry = new(new Dictionary<string, string>(OpenTelemetry.Variables) { [name] = value }) };

    static OpenTelemetrySettings CheckOpenTelemetry(OpenTelemetrySettings openTelemetry)
    {
        try
        {
            return openTelemetry.Check();
        }
        catch (FormatException e)
        {
            throw new SettingsException(e.Message);
        }
    }

    static Faults CheckFaults(Faults faults)
    {
        try
        {
            return faults.Checked();
        }
        catch (FormatException e)
        {
            throw new SettingsException($"--fault-rate: {e.Message} (--fault-status, --fault-delay)");
        }
    }

    static ListenAddress ResolveListen(WhoAmISettings s)
    {
        try
        {
            return ListenAddress.Resolve(s.Urls, s.Port, s.PlatformPort, s.AspNetCoreUrls, s.AspNetCoreHttpPorts, https: s.CertFile is not null);
        }
        catch (FormatException e)
        {
            // Only the ASP.NET Core variables are checked here, and only the one that was chosen: the flags,
            // WHOAMI_PORT_NUMBER and PORT were checked as they were read.
            throw new SettingsException($"{(s.AspNetCoreUrls is not null ? "ASPNETCORE_URLS" : "ASPNETCORE_HTTP_PORTS")}: {e.Message}");
        }
    }

    public static string HelpText
    {
        get
        {
            var text = new StringBuilder()
                .AppendLine("WhoAmI: answers GET /whoami with this machine's host name.")
                .AppendLine()
                .AppendLine("Usage: WhoAmI [flags]")
                .AppendLine();
            foreach (var s in All)
            {
                // A row without a flag is an environment variable alone, shown in the flag's column.
                var flag = s.Flag is null ? s.EnvironmentVariable : s.IsSwitch ? s.Flag : $"{s.Flag} <value>";
                var env = s.EnvironmentVariable is null || s.Flag is null ? "" : $" [{s.EnvironmentVariable}]";
                var @default = s.Default.Length == 0 ? "" : $" (default {s.Default})";
                // The longest OpenTelemetry variables overrun the column: one space still separates them.
                text.AppendLine($"  {(flag!.Length < 26 ? flag.PadRight(26) : flag + " ")}{s.Description}{@default}{env}");
            }

            return text.ToString();
        }
    }

    static WhoAmISettings Apply(Setting setting, WhoAmISettings settings, string value, string source)
    {
        try
        {
            return setting.Apply(settings, value);
        }
        catch (FormatException e)
        {
            throw new SettingsException($"{source}: {e.Message}");
        }
    }

    static (string Flag, string? Value) SplitFlag(string arg)
    {
        var equals = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    static bool ParseBool(string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new FormatException($"'{value}' is not true or false"),
    };

    static LogFormat ParseLogFormat(string value) => value switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw new FormatException($"'{value}' is not text or json"),
    };

    public static readonly TimeSpan MaxDrainDelay = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan MaxBackendTimeout = TimeSpan.FromSeconds(60);

    static TimeSpan ParseBackendTimeout(string value) => GoDuration.Parse(value, MaxBackendTimeout, "500ms or 5s") is var timeout && timeout > TimeSpan.Zero
        ? timeout
        : throw new FormatException($"'{value}' is no time at all: a backend needs some, such as 500ms or 5s");

    static TimeSpan ParseDrainDelay(string value) => GoDuration.Parse(value, MaxDrainDelay, "500ms or 5s");

    static long ParseSize(string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
            ? size
            : throw new FormatException($"'{value}' is not a positive number of bytes");
}

/// <summary>A flag, its environment variable, its default and what it means, and how it sets its value. An
/// environment variable alone has no flag. A repeatable flag adds a value each time it is given.</summary>
internal sealed record Setting(
    string? Flag,
    string? EnvironmentVariable,
    string Default,
    string Description,
    Func<WhoAmISettings, string, WhoAmISettings> Apply,
    bool IsSwitch = false,
    bool IsRepeatable = false);

/// <summary>A bad flag or environment value: reported on one line, exit code 2.</summary>
internal sealed class SettingsException(string message) : Exception(message);
