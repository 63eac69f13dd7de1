using WhoAmI.Telemetry;

namespace WhoAmI.Tests.InMemory;

public sealed class SettingsTests
{
    static WhoAmISettings Parse(string[] args, Dictionary<string, string>? environment = null) =>
        WhoAmISettings.Parse(args, name => environment?.GetValueOrDefault(name));

    [Fact]
    public void No_flags_and_no_environment_leave_every_setting_at_its_default()
    {
        var settings = Parse([]);

        Assert.Null(settings.Port);
        Assert.Null(settings.Urls);
        Assert.False(settings.Verbose);
        Assert.False(settings.ExposeEnvironment);
        Assert.Null(settings.Name);
    }

    [Fact]
    public void The_generic_hosts_own_flags_are_unknown_arguments_here()
    {
        // The in-memory tests build the app through WhoAmIApp.Build, not through Program's arguments.
        var e = Assert.Throws<SettingsException>(() => Parse(["--environment", "Development"]));

        Assert.Equal("unknown argument '--environment'", e.Message);
    }

    [Fact]
    public void Flags_take_values_after_a_space_or_an_equals_sign()
    {
        var settings = Parse(["--name", "blue", "--verbose", "--expose-env=true", "--max-data-bytes=1024"]);

        Assert.Equal("blue", settings.Name);
        Assert.True(settings.Verbose);
        Assert.True(settings.ExposeEnvironment);
        Assert.Equal(1024, settings.MaxDataBytes);
    }

    [Fact]
    public void Environment_variables_set_what_flags_set()
    {
        var settings = Parse([], new()
        {
            ["WHOAMI_NAME"] = "green",
            ["WHOAMI_VERBOSE"] = "true",
            ["WHOAMI_EXPOSE_ENV"] = "true",
            ["WHOAMI_MAX_DATA_BYTES"] = "2048",
        });

        Assert.Equal("green", settings.Name);
        Assert.True(settings.Verbose);
        Assert.True(settings.ExposeEnvironment);
        Assert.Equal(2048, settings.MaxDataBytes);
    }

    [Theory]
    [InlineData(new[] { "--nope" }, "unknown argument '--nope'")]
    [InlineData(new[] { "stray" }, "unknown argument 'stray'")]
    [InlineData(new[] { "--port" }, "--port needs a value")]
    [InlineData(new[] { "--port", "0" }, "--port: '0' is not a port number from 1 to 65535")]
    [InlineData(new[] { "--port", "65536" }, "--port: '65536' is not a port number from 1 to 65535")]
    [InlineData(new[] { "--port", "http" }, "--port: 'http' is not a port number from 1 to 65535")]
    [InlineData(new[] { "--verbose=maybe" }, "--verbose: 'maybe' is not true or false")]
    [InlineData(new[] { "--max-data-bytes", "-1" }, "--max-data-bytes: '-1' is not a positive number of bytes")]
    [InlineData(new[] { "--urls" }, "--urls needs a value")]
    [InlineData(new[] { "--urls", "localhost:9000" }, "--urls: Invalid url: 'localhost:9000'")]
    [InlineData(new[] { "--drain-delay", "61s" }, "--drain-delay: '61s' is not a duration from 0s to 60s, such as 500ms or 5s")]
    [InlineData(new[] { "--drain-delay", "5" }, "--drain-delay: '5' is not a duration from 0s to 60s, such as 500ms or 5s")]
    [InlineData(new[] { "--ready-switch=maybe" }, "--ready-switch: 'maybe' is not true or false")]
    [InlineData(new[] { "--log-format", "xml" }, "--log-format: 'xml' is not text or json")]
    [InlineData(new[] { "--fault-rate", "1.5" }, "--fault-rate: '1.5' is not a share from 0 to 1, such as 0.1")]
    [InlineData(new[] { "--fault-status", "302" }, "--fault-status: '302' is not a status from 400 to 599, or none")]
    [InlineData(new[] { "--fault-delay", "-1s" }, "--fault-delay: '-1s' is not a duration from 0s to 60s, such as 200ms")]
    [InlineData(new[] { "--fault-rate", "0.2" }, "--fault-rate: a fault rate of 0.2 needs a status or a delay (--fault-status, --fault-delay)")]
    public void Bad_flags_are_refused_with_a_one_line_reason(string[] args, string reason)
    {
        var error = Assert.Throws<SettingsException>(() => Parse(args));

        Assert.Equal(reason, error.Message);
    }

    [Fact]
    public void A_bad_environment_value_names_its_variable()
    {
        var error = Assert.Throws<SettingsException>(() => Parse([], new() { ["WHOAMI_PORT_NUMBER"] = "eighty" }));

        Assert.Equal("WHOAMI_PORT_NUMBER: 'eighty' is not a port number from 1 to 65535", error.Message);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318",
        "OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' is not an http:// or https:// URL without a query, e.g. http://collector:4318")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://collector/v1/traces",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' is not an http:// or https:// URL without a query, e.g. http://collector:4318")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' is not grpc or http/protobuf")]
    [InlineData("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "udp", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'udp' is not grpc or http/protobuf")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "api-key", "OTEL_EXPORTER_OTLP_HEADERS: is not key=value,… (URL-encoded values)")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "10s", "OTEL_EXPORTER_OTLP_TIMEOUT: '10s' is not a number of milliseconds")]
    [InlineData("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", "OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' is not gzip or none")]
    [InlineData("OTEL_RESOURCE_ATTRIBUTES", "team", "OTEL_RESOURCE_ATTRIBUTES: 'team' is not key=value,…")]
    [InlineData("OTEL_SDK_DISABLED", "yes", "OTEL_SDK_DISABLED: 'yes' is not true or false")]
    [InlineData("WHOAMI_METRICS", "on", "WHOAMI_METRICS: 'on' is not true or false")]
    [InlineData("OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER: 'sometimes' is not one of always_on, always_off, " +
        "traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio")]
    public void Bad_telemetry_variables_are_refused_with_a_one_line_reason(string variable, string value, string reason)
    {
        var environment = new Dictionary<string, string> { [variable] = value };
        if (!variable.EndsWith("ENDPOINT") && variable.StartsWith("OTEL_"))
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318";
        }

        Assert.Equal(reason, Assert.Throws<SettingsException>(() => Parse([], environment)).Message);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("half")]
    public void A_sampler_ratio_outside_0_to_1_is_refused(string ratio)
    {
        var error = Assert.Throws<SettingsException>(() => Parse([], new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318",
            ["OTEL_TRACES_SAMPLER"] = "traceidratio",
            ["OTEL_TRACES_SAMPLER_ARG"] = ratio,
        }));

        Assert.Equal($"OTEL_TRACES_SAMPLER_ARG: '{ratio}' is not a ratio from 0 to 1, such as 0.1", error.Message);
    }

    [Fact]
    public void Headers_are_refused_without_repeating_their_value()
    {
        var error = Assert.Throws<SettingsException>(() => Parse([], new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "authorization=Bearer%20s3cret%0D%0Ax",
        }));

        Assert.DoesNotContain("s3cret", error.Message);
    }

    [Fact]
    public void Nothing_is_exported_without_an_endpoint_or_with_the_sdk_disabled()
    {
        Assert.False(Parse([]).OpenTelemetry.Exports);
        Assert.False(Parse([], new() { ["OTEL_SERVICE_NAME"] = "web" }).OpenTelemetry.Exports);
        Assert.False(Parse([], new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318", ["OTEL_SDK_DISABLED"] = "true" }).OpenTelemetry.Exports);

        Assert.True(Parse([], new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318" }).OpenTelemetry.Exports);
        Assert.True(Parse([], new() { ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = "http://collector:4318/v1/logs" }).OpenTelemetry.Exports);
    }

    [Fact]
    public void The_sdk_gets_the_variables_as_given_and_the_specifications_protocol_and_retries_where_none_is_given()
    {
        var byDefault = Parse([], new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318" }).OpenTelemetry.ForSdk().ToDictionary();
        Assert.Equal("http/protobuf", byDefault["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("whoami", byDefault["OTEL_SERVICE_NAME"]);
        Assert.Equal("in_memory", byDefault["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"]);

        var given = Parse([], new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_SERVICE_NAME"] = "edge-whoami",
            ["OTEL_BSP_MAX_QUEUE_SIZE"] = "4096",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.version=9,team=blue",
        }).OpenTelemetry;
        var sdk = given.ForSdk().ToDictionary();
        Assert.Equal("grpc", sdk["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("edge-whoami", sdk["OTEL_SERVICE_NAME"]);
        Assert.Equal("4096", sdk["OTEL_BSP_MAX_QUEUE_SIZE"]);
        Assert.Equal(["service.version", "team"], given.ResourceAttributeKeys.Order());
    }

    [Fact]
    public void Readme_names_every_opentelemetry_variable_passed_on_to_the_sdk()
    {
        var readme = File.ReadAllText(Path.Combine(Support.RepositoryRoot.Path, "README.md"));

        foreach (var name in OpenTelemetrySettings.PassedOn.Where(n => !n.Contains("_TRACES_") && !n.Contains("_METRICS_") && !n.Contains("_LOGS_")))
        {
            Assert.Contains($"`{name}`", readme, StringComparison.Ordinal);
        }

        Assert.Contains("`OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_{ENDPOINT,PROTOCOL,HEADERS,TIMEOUT,COMPRESSION}`", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_is_off_by_default_and_on_by_flag_or_variable()
    {
        Assert.False(Parse([]).Metrics);
        Assert.True(Parse(["--metrics"]).Metrics);
        Assert.True(Parse([], new() { ["WHOAMI_METRICS"] = "true" }).Metrics);
    }

    [Fact]
    public void Help_lists_every_flag_and_environment_variable_with_its_default()
    {
        var help = WhoAmISettings.HelpText.Split('\n');
        foreach (var setting in WhoAmISettings.All)
        {
            var line = Assert.Single(help, l => l.StartsWith($"  {setting.Flag ?? setting.EnvironmentVariable} ", StringComparison.Ordinal));
            if (setting.EnvironmentVariable is { } name)
            {
                Assert.Contains(name, line);
            }

            if (setting.Default.Length > 0)
            {
                Assert.Contains($"(default {setting.Default})", line);
            }
        }
    }

    [Fact]
    public void Readme_settings_table_has_a_row_for_every_flag_and_environment_variable()
    {
        var rows = File.ReadAllLines(Path.Combine(Support.RepositoryRoot.Path, "README.md"));

        foreach (var setting in WhoAmISettings.All)
        {
            var row = Assert.Single(rows.Select(r => r.Split('|').Select(cell => cell.Trim()).ToArray()),
                cells => cells.Length > 4 && cells[1] == Code(setting.Flag) && cells[2] == Code(setting.EnvironmentVariable));
            Assert.Equal(setting.Default, row[3]);
        }

        static string Code(string? name) => name is null ? "" : $"`{name}`";
    }

    [Fact]
    public void The_default_port_is_the_port_the_help_names()
    {
        Assert.Equal($"{ListenAddress.DefaultPort}", Assert.Single(WhoAmISettings.All, s => s.Flag == "--port").Default);
    }

    [Fact]
    public void Backends_keep_the_order_of_the_flags_and_a_bare_server_gets_chain()
    {
        var settings = Parse(["--backend", "http://b:8080", "--backend=https://c.example/", "--backend", "http://peer/api?wait=1s"]);

        Assert.Equal(["http://b:8080/chain", "https://c.example/chain", "http://peer/api?wait=1s"], settings.Backends.Select(u => u.ToString()));
    }

    [Fact]
    public void Backends_from_the_variable_are_comma_separated_and_flags_replace_them()
    {
        var environment = new Dictionary<string, string> { ["WHOAMI_BACKENDS"] = "http://b:8080, http://c:8080" };

        Assert.Equal(["http://b:8080/chain", "http://c:8080/chain"], Parse([], environment).Backends.Select(u => u.ToString()));
        Assert.Equal(["http://d/chain"], Parse(["--backend", "http://d"], environment).Backends.Select(u => u.ToString()));
    }

    [Theory]
    [InlineData("b:8080", "--backend: 'b:8080' is not an http:// or https:// URL")]
    [InlineData("/chain", "--backend: '/chain' is not an http:// or https:// URL")]
    [InlineData("ftp://b/", "--backend: 'ftp://b/' is not an http:// or https:// URL")]
    [InlineData("http://b/#top", "--backend: a URL with user:password@ or a #fragment is refused (http://b:80): the /chain answer shows every URL")]
    public void A_backend_that_is_not_an_http_url_is_refused_in_one_line(string url, string message)
    {
        var e = Assert.Throws<SettingsException>(() => Parse(["--backend", url]));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_backend_url_with_a_password_is_refused_without_repeating_the_password()
    {
        var e = Assert.Throws<SettingsException>(() => Parse([], new() { ["WHOAMI_BACKENDS"] = "http://u:s3cret@b:8080" }));

        Assert.Equal("WHOAMI_BACKENDS: a URL with user:password@ or a #fragment is refused (http://b:8080): the /chain answer shows every URL", e.Message);
        Assert.DoesNotContain("s3cret", e.Message);
    }

    [Theory]
    [InlineData("1ms", 1)]
    [InlineData("750ms", 750)]
    [InlineData("1m", 60000)]
    public void The_backend_timeout_is_a_go_duration_up_to_a_minute(string value, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Parse(["--backend-timeout", value]).BackendTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), Parse([]).BackendTimeout);
        Assert.Throws<SettingsException>(() => Parse(["--backend-timeout", "61s"]));
        Assert.Equal("--backend-timeout: '0s' is no time at all: a backend needs some, such as 500ms or 5s",
            Assert.Throws<SettingsException>(() => Parse(["--backend-timeout", "0s"])).Message);
    }
}
