using System.Net.WebSockets;
using System.Text.Json;

namespace WhoAmI.Tests.Published;

/// <summary>The endpoints beyond the tutorial, against the AOT binary: source-generated JSON, WebSockets,
/// streaming and the settings all have to survive trimming.</summary>
[Collection(PublishedCollection.Name)]
public sealed class PublishedEndpointsTests(PublishedWhoAmI published)
{

    [Fact]
    public async Task Root_and_api_show_the_name_set_by_flag_and_the_request()
    {
        await using var app = await published.StartAsync(args: ["--name", "blue"]);

        var text = await app.Client.GetStringAsync("/?a=1", Cancel);
        Assert.StartsWith("Name: blue\nHostname: ", text);
        Assert.Contains("\nIP: 127.0.0.1\n", text);
        Assert.Contains("\nRemoteAddr: 127.0.0.1:", text);
        Assert.Contains("\nGET /?a=1 HTTP/1.1\r\n", text);

        using var api = JsonDocument.Parse(await app.Client.GetStringAsync("/api", Cancel));
        Assert.Equal("blue", api.RootElement.GetProperty("name").GetString());
        Assert.Equal("GET", api.RootElement.GetProperty("method").GetString());
        Assert.StartsWith("127.0.0.1:", api.RootElement.GetProperty("remoteAddr").GetString());
    }

    [Fact]
    public async Task Environment_is_shown_only_with_the_opt_in_variable()
    {
        await using (var closed = await published.StartAsync())
        {
            Assert.DoesNotContain("\nPATH=", await closed.Client.GetStringAsync("/?env=true", Cancel));
        }

        await using var open = await published.StartAsync(environment: new Dictionary<string, string> { ["WHOAMI_EXPOSE_ENV"] = "true", ["WHOAMI_SECRET_FOR_TEST"] = "shown" });
        Assert.Contains("\nWHOAMI_SECRET_FOR_TEST=shown\n", await open.Client.GetStringAsync("/?env=true", Cancel));
    }

    [Fact]
    public async Task A_gibibyte_of_data_streams_without_the_server_holding_it_in_memory()
    {
        await using var app = await published.StartAsync();

        using var response = await app.Client.GetAsync("/data?size=1&unit=gb", HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(1L << 30, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync(Cancel);
        var buffer = new byte[1 << 16];
        long total = 0;
        var last = (byte)0;
        int read;
        while ((read = await body.ReadAsync(buffer, Cancel)) > 0)
        {
            total += read;
            last = buffer[read - 1];
        }

        Assert.Equal(1L << 30, total);
        Assert.Equal((byte)'|', last);
        var rssKiB = app.ResidentKiB;
        Assert.True(rssKiB < 128 * 1024, $"RSS after streaming 1 GiB is {rssKiB} KiB");
    }

    [Fact]
    public async Task The_openapi_document_embedded_in_the_binary_is_the_committed_one()
    {
        await using var app = await published.StartAsync();

        var response = await app.Client.GetAsync("/openapi.yaml", Cancel);

        Assert.Equal("application/yaml", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "WhoAmI", "openapi.yaml"), Cancel),
            await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Echo_works_over_a_real_websocket()
    {
        await using var app = await published.StartAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{app.BaseAddress.Port}/echo"), Cancel);

        await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, Cancel);
        var buffer = new byte[64];
        var frame = await socket.ReceiveAsync(buffer, Cancel);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, Cancel);

        Assert.Equal("ping", System.Text.Encoding.UTF8.GetString(buffer, 0, frame.Count));
        Assert.Equal(WebSocketState.Closed, socket.State);
    }

    [Fact]
    public async Task Probe_mode_exits_0_while_healthy_and_1_after_health_is_set_to_500()
    {
        await using var app = await published.StartAsync();
        var port = app.BaseAddress.Port.ToString();

        Assert.Equal(0, (await published.ProbeAsync(["--port", port])).ExitCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.PostAsync("/health", new StringContent("500"), Cancel)).StatusCode);
        Assert.Equal(1, (await published.ProbeAsync(["--port", port])).ExitCode);
    }

    [Fact]
    public async Task Probe_mode_exits_1_when_nothing_listens()
    {
        var port = WhoAmIProcess.FreePort().ToString();

        Assert.Equal(1, (await published.ProbeAsync(["--port", port])).ExitCode);
    }

    [Fact]
    public async Task Verbose_writes_one_access_log_line_per_request()
    {
        await using var app = await published.StartAsync(args: ["--verbose"]);

        await app.Client.GetStringAsync("/whoami?from=test", Cancel);
        await app.Client.GetAsync("/missing", Cancel);

        Assert.Contains("\"GET /whoami?from=test HTTP/1.1\" 200", await app.WaitForOutputAsync("/whoami?from=test"));
        Assert.Contains("\"GET /missing HTTP/1.1\" 404", await app.WaitForOutputAsync("/missing"));
    }

    [Fact]
    public async Task Json_log_format_writes_every_line_as_one_object_and_the_access_line_with_its_fields_and_trace_id()
    {
        await using var app = await published.StartAsync(args: ["--verbose", "--log-format", "json"]);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami?from=json");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        await app.Client.SendAsync(request, Cancel);
        // The access line is written after the answer has gone out: wait for this request's, not start-up's probe of /whoami.
        await app.WaitForOutputAsync("?from=json");

        var lines = app.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(lines, l => Assert.True(l.TryGetProperty("timestamp", out _) && l.TryGetProperty("level", out _) && l.TryGetProperty("message", out _), l.ToString()));
        Assert.Contains(lines, l => l.GetProperty("message").GetString()!.StartsWith("Now listening on", StringComparison.Ordinal));
        var access = Assert.Single(lines, l => l.GetProperty("category").GetString() == "WhoAmI.Access" && l.GetProperty("query").GetString() == "?from=json");
        Assert.Equal("GET", access.GetProperty("method").GetString());
        Assert.Equal("/whoami", access.GetProperty("path").GetString());
        Assert.Equal("?from=json", access.GetProperty("query").GetString());
        Assert.Equal(200, access.GetProperty("status").GetInt32());
        Assert.True(access.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.StartsWith("127.0.0.1:", access.GetProperty("remote").GetString());
        Assert.Equal(traceId, access.GetProperty("trace_id").GetString());
    }

    [Fact]
    public async Task A_client_chosen_status_header_and_delay_come_back_from_the_binary_over_http11_and_http2()
    {
        await using var app = await published.StartAsync();

        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var response = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api?status=429&header=Retry-After:1&wait=300ms")
            {
                Version = version,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            }, Cancel);

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal(["1"], response.Headers.GetValues("Retry-After"));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300), $"answered in {clock.Elapsed.TotalMilliseconds:0} ms over {version}");
            Assert.Contains("\"hostname\"", await response.Content.ReadAsStringAsync(Cancel));
        }
    }
}
