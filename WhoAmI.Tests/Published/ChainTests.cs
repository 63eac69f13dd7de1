using System.Diagnostics;
using System.Text.Json;

namespace WhoAmI.Tests.Published;

/// <summary>
/// <c>/chain</c> between published binaries on loopback: a → b → c answering in order in the caller's trace (carried
/// by HttpClient's own propagation, OpenTelemetry off), a server that is its own backend stopped by the hop limit, and
/// backends that are down or slow reported in bounded time. The spans of a chain: OpenTelemetryTests.
/// </summary>
[Collection(PublishedCollection.Name)]
public sealed class ChainTests(PublishedWhoAmI published)
{
    static async Task<(HttpStatusCode Status, JsonElement Hop, TimeSpan Took)> ChainAsync(WhoAmIProcess app, string? traceparent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chain");
        if (traceparent is not null)
        {
            request.Headers.Add("traceparent", traceparent);
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await app.Client.SendAsync(request, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone(), Stopwatch.GetElapsedTime(started));
    }

    static string Url(WhoAmIProcess app, string path = "") => app.BaseAddress.ToString().TrimEnd('/') + path;

    [Fact]
    public async Task Three_servers_chained_answer_with_every_hop_in_order_in_the_callers_trace()
    {
        await using var c = await published.StartAsync(["--name", "c"]);
        await using var b = await published.StartAsync(["--name", "b", "--backend", Url(c)]);
        // The first by the variable, as compose and Kubernetes set it.
        await using var a = await published.StartAsync(["--name", "a"], new Dictionary<string, string> { ["WHOAMI_BACKENDS"] = Url(b) });
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        var (status, hop, _) = await ChainAsync(a, $"00-{traceId}-00f067aa0ba902b7-01");

        Assert.Equal(HttpStatusCode.OK, status);
        var names = new List<string>();
        var backendUrls = new List<string>();
        for (var current = hop; ; )
        {
            names.Add(current.GetProperty("name").GetString()!);
            Assert.Equal(names.Count, current.GetProperty("hop").GetInt32());
            Assert.Equal(traceId, current.GetProperty("traceId").GetString());
            Assert.StartsWith("127.0.0.1:", current.GetProperty("remoteAddr").GetString());
            if (current.GetProperty("backends").EnumerateArray().SingleOrDefault() is not { ValueKind: JsonValueKind.Object } backend)
            {
                break;
            }

            Assert.Equal(200, backend.GetProperty("status").GetInt32());
            backendUrls.Add(backend.GetProperty("url").GetString()!);
            current = backend.GetProperty("answer");
        }

        Assert.Equal(["a", "b", "c"], names);
        Assert.Equal([Url(b, "/chain"), Url(c, "/chain")], backendUrls);
    }

    [Fact]
    public async Task A_server_that_is_its_own_backend_stops_at_the_hop_limit_in_bounded_time_and_keeps_answering()
    {
        var port = WhoAmIProcess.FreePort();
        await using var loop = await published.StartAsync(["--name", "loop", "--port", port.ToString(), "--backend", $"http://127.0.0.1:{port}"], port: port);

        var (status, hop, took) = await ChainAsync(loop);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        var depth = 1;
        while (hop.GetProperty("backends").EnumerateArray().SingleOrDefault() is { ValueKind: JsonValueKind.Object } backend)
        {
            Assert.Equal(502, backend.GetProperty("status").GetInt32());
            hop = backend.GetProperty("answer");
            depth++;
        }

        Assert.Equal(8, depth);
        Assert.Equal(8, hop.GetProperty("hop").GetInt32());
        Assert.Equal("hop limit: this is hop 8, at most 8; backends not called", hop.GetProperty("stopped").GetString());
        Assert.True(took < TimeSpan.FromSeconds(5), $"the looped chain took {took}");
        Assert.Equal(HttpStatusCode.OK, (await loop.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Backends_that_are_down_or_slow_are_reported_within_the_timeout_beside_one_that_answers()
    {
        await using var slow = await published.StartAsync(["--name", "slow"]);
        var dead = $"http://127.0.0.1:{WhoAmIProcess.FreePort()}";
        await using var a = await published.StartAsync(["--name", "a", "--backend-timeout", "500ms",
            "--backend", dead, "--backend", Url(slow, "/api?wait=10s"), "--backend", Url(slow)]);

        var (status, hop, took) = await ChainAsync(a);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.True(took < TimeSpan.FromSeconds(3), $"the chain took {took} with a 500ms timeout");
        var backends = hop.GetProperty("backends").EnumerateArray().ToArray();
        Assert.Equal([dead + "/chain", Url(slow, "/api?wait=10s"), Url(slow, "/chain")], backends.Select(b => b.GetProperty("url").GetString()));
        Assert.StartsWith("cannot connect: Connection refused", backends[0].GetProperty("error").GetString());
        Assert.Equal("no answer within 500ms", backends[1].GetProperty("error").GetString());
        Assert.Equal("slow", backends[2].GetProperty("answer").GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, (await a.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Fact]
    public async Task A_slow_backend_two_hops_away_is_reported_by_the_hop_that_called_it_before_the_first_gives_up()
    {
        await using var slow = await published.StartAsync(["--name", "slow"]);
        await using var b = await published.StartAsync(["--name", "b", "--backend-timeout", "10s", "--backend", Url(slow, "/api?wait=20s")]);
        await using var a = await published.StartAsync(["--name", "a", "--backend-timeout", "3s", "--backend", Url(b)]);
        // b's path through a timeout once before: the time b keeps for its answer is for the answer, not for the
        // first run of that path (the trimmed fallback compiles it then).
        using (var warm = new HttpRequestMessage(HttpMethod.Get, "/chain") { Headers = { { "WhoAmI-Timeout", "300" } } })
        {
            (await b.Client.SendAsync(warm, Cancel)).Dispose();
        }

        var (status, hop, took) = await ChainAsync(a);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.True(took < TimeSpan.FromSeconds(5), $"the chain took {took} with a 3s timeout");
        var fromB = hop.GetProperty("backends")[0];
        Assert.Equal(502, fromB.GetProperty("status").GetInt32());
        // b's own timeout is 10s, but a gave it 3s, of which b keeps a tenth for its answer.
        Assert.Equal("no answer within 2700ms", fromB.GetProperty("answer").GetProperty("backends")[0].GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_backend_that_is_not_whoami_is_shown_by_its_status_and_the_start_of_its_body()
    {
        await using var other = await published.StartAsync(["--name", "other"]);
        await using var a = await published.StartAsync(["--backend", Url(other, "/no-such-page"), "--backend", Url(other, "/data?size=2&unit=kb")]);

        var (status, hop, _) = await ChainAsync(a);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        var backends = hop.GetProperty("backends");
        Assert.Equal(404, backends[0].GetProperty("status").GetInt32());
        Assert.Equal(200, backends[1].GetProperty("status").GetInt32());
        Assert.EndsWith("…", backends[1].GetProperty("body").GetString());
        Assert.Equal(1024 + "…".Length, backends[1].GetProperty("body").GetString()!.Length);
    }
}
