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
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' is not spoken here; only http/protobuf is")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "api-key", "OTEL_EXPORTER_OTLP_HEADERS: is not key=value,… (URL-encoded values)")]
    [InlineData("WHOAMI_METRICS", "on", "WHOAMI_METRICS: 'on' is not true or false")]
    [InlineData("OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER: 'sometimes' is not one of parentbased_always_on, " +
        "parentbased_always_off, parentbased_traceidratio, always_on, always_off, traceidratio")]
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
    public void Parent_based_sampling_follows_the_callers_flag_and_samples_its_own_traces_by_the_ratio()
    {
        Telemetry.OtlpSettings Sampler(string name, string? ratio = null) => Parse([], new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318",
            ["OTEL_TRACES_SAMPLER"] = name,
            ["OTEL_TRACES_SAMPLER_ARG"] = ratio ?? "",
        }).Otlp!;
        var sampledParent = new System.Diagnostics.ActivityContext(System.Diagnostics.ActivityTraceId.CreateRandom(),
            System.Diagnostics.ActivitySpanId.CreateRandom(), System.Diagnostics.ActivityTraceFlags.Recorded, isRemote: true);
        var unsampledParent = new System.Diagnostics.ActivityContext(sampledParent.TraceId, sampledParent.SpanId,
            System.Diagnostics.ActivityTraceFlags.None, isRemote: true);
        var ids = Enumerable.Range(0, 10_000).Select(_ => System.Diagnostics.ActivityTraceId.CreateRandom()).ToList();

        var byDefault = Parse([], new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318" }).Otlp!;
        Assert.True(byDefault.Samples(sampledParent, sampledParent.TraceId));
        Assert.False(byDefault.Samples(unsampledParent, unsampledParent.TraceId));
        Assert.True(byDefault.Samples(default, ids[0]));

        var tenth = Sampler("parentbased_traceidratio", "0.1");
        Assert.True(tenth.Samples(sampledParent, sampledParent.TraceId));
        Assert.False(tenth.Samples(unsampledParent, unsampledParent.TraceId));
        // 10,000 random ids at 0.1: 1,000 expected, sd 30; outside 850 to 1,150 has a chance below 1 in 10^6.
        Assert.InRange(ids.Count(id => tenth.Samples(default, id)), 850, 1150);

        Assert.False(Sampler("always_off").Samples(sampledParent, sampledParent.TraceId));
        Assert.True(Sampler("always_on").Samples(unsampledParent, unsampledParent.TraceId));
        Assert.Equal(0, ids.Count(id => Sampler("traceidratio", "0").Samples(default, id)));
    }

    [Fact]
    public void Headers_are_refused_without_repeating_their_value()
    {
        var error = Assert.Throws<SettingsException>(() => Parse([], new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "authorization=Bearer s3cret\r\nx",
        }));

        Assert.DoesNotContain("s3cret", error.Message);
    }

    [Fact]
    public void Tracing_is_off_without_an_endpoint_and_sends_to_the_base_endpoints_v1_traces_or_the_signals_own_url()
    {
        Assert.Null(Parse([], new() { ["OTEL_SERVICE_NAME"] = "web" }).Otlp);

        var fromBase = Parse([], new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318/" }).Otlp!;
        Assert.Equal("http://collector:4318/v1/traces", fromBase.TracesEndpoint.ToString());
        Assert.Equal("whoami", fromBase.ServiceName);
        Assert.Empty(fromBase.Headers);

        var own = Parse([], new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318",
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "https://traces.example.com/otlp/spans",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-api-key=a%2Cb, x-team = blue",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "edge-whoami",
        }).Otlp!;
        Assert.Equal("https://traces.example.com/otlp/spans", own.TracesEndpoint.ToString());
        Assert.Equal([KeyValuePair.Create("x-api-key", "a,b"), KeyValuePair.Create("x-team", "blue")], own.Headers);
        Assert.Equal("edge-whoami", own.ServiceName);
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
}
