using System.Text.Json;
using OpenTelemetry.Proto.Trace.V1;

namespace WhoAmI.Tests.Published;

/// <summary>
/// OpenTelemetry .NET in the published binary against an OTLP/HTTP endpoint (<see cref="OtlpReceiver"/>, decoding with
/// OpenTelemetry's own .proto files): set by the standard variables, a span per request continuing the caller's
/// <c>traceparent</c>, metrics and log records with the span's ids, retries after a <c>503</c>, the resource as the
/// variables say, the drain's requests sent before the exit. The gRPC protocol and the Aspire dashboard: AspireTests.
/// </summary>
[Collection(PublishedCollection.Name)]
public sealed class OpenTelemetryTests(PublishedWhoAmI published)
{
    static Dictionary<string, string> Otlp(OtlpReceiver receiver) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.BaseAddress.ToString(),
        ["OTEL_SERVICE_NAME"] = "whoami-under-test",
        ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-collector-key=abc%20123",
    };

    static string NewTraceId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    static Task<HttpResponseMessage> GetAsync(WhoAmIProcess app, string path, string traceId, string parentId, string flags)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-{flags}");
        return app.Client.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task A_request_with_a_traceparent_becomes_a_server_span_of_that_trace_sent_over_otlp_with_the_service_name()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await published.StartAsync(environment: Otlp(receiver));
        var traceId = NewTraceId();
        const string parentId = "00f067aa0ba902b7";

        using var response = await GetAsync(app, "/whoami", traceId, parentId, "01");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var span = await receiver.WaitForSpanAsync(traceId);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal(Span.Types.SpanKind.Server, span.Span.Kind);
        Assert.Equal("GET /whoami", span.Span.Name);
        Assert.Equal("200", span.Attribute("http.response.status_code"));
        Assert.Equal("/whoami", span.Attribute("http.route"));
        Assert.Equal("GET", span.Attribute("http.request.method"));
        Assert.True(span.Span.EndTimeUnixNano > span.Span.StartTimeUnixNano);
        Assert.Equal(0x301u, span.Span.Flags); // sampled, and the parent is remote
        Assert.Equal("whoami-under-test", span.Resource["service.name"]);
        Assert.Equal(BuildFacts.Version, span.Resource["service.version"]);
        Assert.Equal(Dns.GetHostName(), span.Resource["host.name"]);
        Assert.Equal("Microsoft.AspNetCore", span.Scope);
        Assert.Equal("abc 123", span.Headers["x-collector-key"]);
    }

    [Fact]
    public async Task A_request_without_a_traceparent_starts_a_trace_whose_id_the_json_access_log_shows()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await published.StartAsync(["--verbose", "--log-format", "json"], Otlp(receiver));

        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/no-such-page?traced=1", Cancel)).StatusCode);

        var line = await app.WaitForOutputAsync("?traced=1");
        var logged = JsonDocument.Parse(line.Split('\n').Single(l => l.Contains("?traced=1"))).RootElement.GetProperty("trace_id").GetString()!;
        var span = await receiver.WaitForSpanAsync(logged);
        Assert.Equal("", span.ParentSpanId);
        Assert.Equal("404", span.Attribute("http.response.status_code"));
    }

    [Fact]
    public async Task A_caller_that_did_not_sample_its_trace_gets_no_span_sent()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await published.StartAsync(environment: Otlp(receiver));
        var unsampled = NewTraceId();
        var sampled = NewTraceId();

        (await GetAsync(app, "/whoami", unsampled, "1111111111111111", "00")).Dispose();
        (await GetAsync(app, "/whoami", sampled, "2222222222222222", "01")).Dispose();

        await receiver.WaitForSpanAsync(sampled);
        Assert.DoesNotContain(receiver.Spans, s => s.TraceId == unsampled);
    }

    [Fact]
    public async Task A_ratio_of_0_for_its_own_traces_sends_only_the_spans_a_sampled_caller_asked_for()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = Otlp(receiver);
        environment["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio";
        environment["OTEL_TRACES_SAMPLER_ARG"] = "0";
        await using var app = await published.StartAsync(["--verbose", "--log-format", "json"], environment);
        var called = NewTraceId();

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami?own=1", Cancel)).StatusCode);
        (await GetAsync(app, "/whoami", called, "4444444444444444", "01")).Dispose();

        await receiver.WaitForSpanAsync(called);
        var line = (await app.WaitForOutputAsync("?own=1")).Split('\n').Single(l => l.Contains("?own=1"));
        var own = JsonDocument.Parse(line).RootElement.GetProperty("trace_id").GetString();
        Assert.Matches("^[0-9a-f]{32}$", own);
        Assert.Equal([called], receiver.Spans.Select(s => s.TraceId).Distinct());
    }

    [Fact]
    public async Task Spans_of_requests_served_during_the_drain_are_sent_before_the_process_exits()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await published.StartAsync(["--drain-delay", "1s"], Otlp(receiver));
        var traceId = NewTraceId();

        app.Signal();
        (await GetAsync(app, "/whoami", traceId, "3333333333333333", "01")).Dispose();
        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(15)));

        Assert.True(receiver.Spans.Any(s => s.TraceId == traceId), $"no span of the drain's request arrived; the server wrote:\n{app.Output}");
    }

    [Fact]
    public async Task The_batch_processors_variables_reach_the_sdk_so_a_burst_within_a_larger_queue_arrives_whole()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = Otlp(receiver);
        environment["OTEL_BSP_MAX_QUEUE_SIZE"] = "8192";
        environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        await using var app = await published.StartAsync(environment: environment);
        var traceId = NewTraceId();
        const int burst = 3000; // beyond the SDK's default queue of 2,048

        await Parallel.ForAsync(0, burst, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancel }, async (i, _) =>
            (await GetAsync(app, "/bench", traceId, $"{i + 1:x16}", "01")).Dispose());

        Assert.Equal(burst, (await receiver.WaitForSpansAsync(traceId, burst)).Count);
    }

    [Fact]
    public async Task Metrics_and_log_records_go_out_too_and_a_log_line_carries_its_requests_trace_and_span()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = Otlp(receiver);
        environment["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        await using var app = await published.StartAsync(["--verbose"], environment);
        var traceId = NewTraceId();

        (await GetAsync(app, "/whoami?logged=1", traceId, "5555555555555555", "01")).Dispose();

        var span = await receiver.WaitForSpanAsync(traceId);
        var access = Assert.Single(await receiver.WaitForLogsAsync(l => l.TraceId == traceId));
        Assert.Contains("GET /whoami?logged=1", access.Body, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(span.Span.SpanId.Span), access.SpanId);
        Assert.Equal("whoami-under-test", access.Resource["service.name"]);
        Assert.Contains(await receiver.WaitForMetricAsync("http.server.request.duration"), m => m == "http.server.request.duration");
        Assert.Contains(receiver.Metrics, m => m.Service == "whoami-under-test" && m.Metric.StartsWith("dotnet.", StringComparison.Ordinal));
        Assert.Contains(receiver.Metrics, m => m.Metric.StartsWith("kestrel.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_collector_that_answers_503_with_retry_after_gets_the_same_spans_on_a_later_attempt()
    {
        await using var receiver = await OtlpReceiver.StartAsync(refusals: 2);
        await using var app = await published.StartAsync(environment: Otlp(receiver));
        var traceId = NewTraceId();

        (await GetAsync(app, "/whoami", traceId, "6666666666666666", "01")).Dispose();

        await receiver.WaitForSpanAsync(traceId);
        var traces = receiver.Exports.Where(e => e.Path == "/v1/traces").Select(e => e.Status).ToList();
        Assert.Equal([503, 503, 200], traces[..3]);
    }

    [Fact]
    public async Task Resource_attributes_from_the_variable_reach_the_resource_and_win_over_the_services_own()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = Otlp(receiver);
        environment["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=test,service.namespace=demo,service.version=9.9";
        await using var app = await published.StartAsync(environment: environment);
        var traceId = NewTraceId();

        (await GetAsync(app, "/whoami", traceId, "7777777777777777", "01")).Dispose();

        var resource = (await receiver.WaitForSpanAsync(traceId)).Resource;
        Assert.Equal("test", resource["deployment.environment"]);
        Assert.Equal("demo", resource["service.namespace"]);
        Assert.Equal("9.9", resource["service.version"]);
        Assert.Equal(Dns.GetHostName(), resource["host.name"]);
        Assert.Equal("whoami-under-test", resource["service.name"]);
    }

    [Fact]
    public async Task With_the_sdk_disabled_nothing_is_sent_and_requests_are_served()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = Otlp(receiver);
        environment["OTEL_SDK_DISABLED"] = "true";
        environment["OTEL_METRIC_EXPORT_INTERVAL"] = "200";
        environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        await using var app = await published.StartAsync(["--verbose"], environment);

        (await GetAsync(app, "/whoami", NewTraceId(), "8888888888888888", "01")).Dispose();
        await Task.Delay(1500, Cancel); // seven metric intervals, seven span batches

        Assert.Empty(receiver.Exports);
    }

    [Fact]
    public async Task An_unreachable_collector_costs_no_request()
    {
        var closedPort = WhoAmIProcess.FreePort();
        await using var app = await published.StartAsync(environment: new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{closedPort}",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
            await Task.Delay(50, Cancel);
        }

        Assert.False(app.HasExited);
    }

    [Fact]
    public async Task A_chain_is_one_trace_whose_client_span_is_the_parent_of_the_backends_server_span()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var b = await published.StartAsync(["--name", "b"], Otlp(receiver));
        await using var a = await published.StartAsync(["--name", "a", "--backend", b.BaseAddress.ToString()], Otlp(receiver));
        var traceId = NewTraceId();
        const string parentId = "00f067aa0ba902b7";

        using var response = await GetAsync(a, "/chain", traceId, parentId, "01");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var spans = await receiver.WaitForSpansAsync(traceId, 3);
        Assert.Equal(3, spans.Count);
        var servers = spans.Where(s => s.Span.Kind == Span.Types.SpanKind.Server).ToList();
        var client = Assert.Single(spans, s => s.Span.Kind == Span.Types.SpanKind.Client);
        var front = Assert.Single(servers, s => s.ParentSpanId == parentId);
        var back = Assert.Single(servers, s => s != front);
        Assert.Equal(Convert.ToHexStringLower(front.Span.SpanId.Span), client.ParentSpanId);
        Assert.Equal(Convert.ToHexStringLower(client.Span.SpanId.Span), back.ParentSpanId);
        Assert.Equal("GET", client.Span.Name);
        Assert.Equal(b.BaseAddress + "chain", client.Attribute("url.full"));
        Assert.Equal("200", client.Attribute("http.response.status_code"));
        Assert.Equal("GET /chain", back.Span.Name);
    }
}
