using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;

namespace WhoAmI.Tests.Deploy;

/// <summary>
/// deploy/aspire's AppHost started by Aspire.Hosting.Testing with the real orchestrator (DCP) and the real dashboard:
/// three WhoAmI replicas behind Aspire's proxy and the backend their <c>/chain</c> calls, their telemetry read back from
/// the dashboard's own API, over the OTLP protocol Aspire picks by default (gRPC) and over http/protobuf.
/// </summary>
[Trait("Category", "Aspire")]
public sealed class AspireTests
{
    const int Replicas = 3;

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Requests_through_the_front_reach_every_replica_a_chain_reaches_the_backend_and_the_dashboard_shows_it_all(string protocol)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.WhoAmI_AppHost>(
            [$"--Replicas={Replicas}", $"--OtlpProtocol={protocol}"],
            (options, settings) =>
            {
                options.DisableDashboard = false;
                options.AllowUnsecuredTransport = true;
                // Loopback ports of this test's own, and the dashboard's API open without its browser token.
                settings.Configuration!.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{WhoAmIProcess.FreePort()}",
                    ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{WhoAmIProcess.FreePort()}",
                    ["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{WhoAmIProcess.FreePort()}",
                    ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{WhoAmIProcess.FreePort()}",
                    ["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true",
                    ["DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true",
                });
            }, Cancel);
        await using var app = await builder.BuildAsync(Cancel).WaitAsync(TimeSpan.FromMinutes(2), Cancel);
        await app.StartAsync(Cancel).WaitAsync(TimeSpan.FromMinutes(3), Cancel);
        // The testing builder moves every port to a free one of its own; the front is where Aspire says it is.
        using var client = new HttpClient { BaseAddress = app.GetEndpoint("whoami", "http"), Timeout = TimeSpan.FromSeconds(5) };
        using var api = new HttpClient { BaseAddress = app.GetEndpoint("aspire-dashboard", "http"), Timeout = TimeSpan.FromSeconds(10) };

        // Each replica's name is its instance id; until all answer, keep asking, each request with a trace of its own.
        var traceOf = new Dictionary<string, string>();
        for (var deadline = DateTime.UtcNow.AddSeconds(150); traceOf.Count < Replicas && DateTime.UtcNow < deadline;)
        {
            var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
            if (await TryNameAsync(client, traceId) is { } name)
            {
                traceOf.TryAdd(name, traceId);
            }
            else
            {
                await Task.Delay(250, Cancel);
            }
        }

        Assert.Equal(Replicas, traceOf.Count);
        var resources = await WaitForAsync(api, "/api/telemetry/resources", json =>
            json.EnumerateArray().Count(r => r.GetProperty("name").GetString() == "whoami"
                && r.GetProperty("hasTraces").GetBoolean() && r.GetProperty("hasMetrics").GetBoolean() && r.GetProperty("hasLogs").GetBoolean()) == Replicas);
        Assert.Equal(traceOf.Keys.Order(),
            resources.EnumerateArray().Where(r => r.GetProperty("name").GetString() == "whoami").Select(r => r.GetProperty("instanceId").GetString()).Order());

        var traces = await WaitForAsync(api, "/api/telemetry/traces", json => traceOf.Values.All(t => Contains(json, t)));
        var logs = await WaitForAsync(api, "/api/telemetry/logs", json => traceOf.Values.All(t => Contains(json, t)));
        foreach (var (name, traceId) in traceOf)
        {
            var span = Assert.Single(Records(traces, "resourceSpans", "scopeSpans", "spans"), s => s.Record.GetProperty("traceId").GetString() == traceId);
            Assert.Equal(name, span.Instance);
            Assert.Equal("GET /api", span.Record.GetProperty("name").GetString());
            var log = Assert.Single(Records(logs, "resourceLogs", "scopeLogs", "logRecords"), l => l.Record.TryGetProperty("traceId", out var t) && t.GetString() == traceId);
            Assert.Equal(name, log.Instance);
            Assert.Equal(span.Record.GetProperty("spanId").GetString(), log.Record.GetProperty("spanId").GetString());
        }

        // A chain: a replica calls the backend; both hops answer in the caller's trace, and the dashboard has one trace
        // of three spans: the replica's server span, its HttpClient span, and the backend's server span under that.
        var chainTrace = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chain");
        request.Headers.Add("traceparent", $"00-{chainTrace}-00f067aa0ba902b7-01");
        using var response = await client.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var front = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        var back = front.GetProperty("backends")[0].GetProperty("answer");
        Assert.Contains(front.GetProperty("name").GetString(), traceOf.Keys);
        Assert.Equal("backend", back.GetProperty("name").GetString());
        Assert.Equal(chainTrace, back.GetProperty("traceId").GetString());

        var chainTraces = await WaitForAsync(api, "/api/telemetry/traces", json =>
            Records(json, "resourceSpans", "scopeSpans", "spans").Count(s => s.Record.GetProperty("traceId").GetString() == chainTrace) == 3);
        var chainSpans = Records(chainTraces, "resourceSpans", "scopeSpans", "spans").Where(s => s.Record.GetProperty("traceId").GetString() == chainTrace).ToList();
        var server = Assert.Single(chainSpans, s => s.Record.GetProperty("parentSpanId").GetString() == "00f067aa0ba902b7");
        var call = Assert.Single(chainSpans, s => s.Record.GetProperty("parentSpanId").GetString() == server.Record.GetProperty("spanId").GetString());
        var backendSpan = Assert.Single(chainSpans, s => s.Record.GetProperty("parentSpanId").GetString() == call.Record.GetProperty("spanId").GetString());
        Assert.Equal(front.GetProperty("name").GetString(), server.Instance);
        Assert.Equal("GET /chain", server.Record.GetProperty("name").GetString());
        Assert.Equal("GET", call.Record.GetProperty("name").GetString());
        Assert.Equal("GET /chain", backendSpan.Record.GetProperty("name").GetString());
        Assert.NotEqual(server.Instance, backendSpan.Instance);
    }

    /// <summary>The name of the replica that answered <c>/api</c>, or null while the front has none to send to.</summary>
    static async Task<string?> TryNameAsync(HttpClient client, string traceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        // Aspire's proxy spreads connections, not requests: each request on a connection of its own.
        request.Headers.ConnectionClose = true;
        try
        {
            using var response = await client.SendAsync(request, Cancel);
            return response.IsSuccessStatusCode
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("name").GetString()
                : null;
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !Cancel.IsCancellationRequested)
        {
            return null; // a replica still starting (its first requests are JIT-compiled), on a machine busy with other tests
        }
    }

    /// <summary>The dashboard's answer at <paramref name="path"/> (its <c>data</c> when it has one) once
    /// <paramref name="done"/> holds; fails with the last answer after 90 s.</summary>
    static async Task<JsonElement> WaitForAsync(HttpClient api, string path, Func<JsonElement, bool> done)
    {
        var body = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline; await Task.Delay(500, Cancel))
        {
            try
            {
                body = await api.GetStringAsync(path, Cancel);
            }
            catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !Cancel.IsCancellationRequested)
            {
                continue; // a dashboard slow to answer on a busy machine: ask again
            }

            var json = JsonDocument.Parse(body).RootElement;
            json = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("data", out var data) ? data : json;
            if (done(json))
            {
                return json.Clone();
            }
        }

        throw new TimeoutException($"the dashboard's {path} did not show what was expected in 90 s; it last said: {body[..Math.Min(body.Length, 2000)]}");
    }

    static bool Contains(JsonElement json, string text) => json.GetRawText().Contains(text, StringComparison.Ordinal);

    /// <summary>Every span or log record of an OTLP JSON document, with the <c>service.instance.id</c> of its resource.</summary>
    static IEnumerable<(JsonElement Record, string? Instance)> Records(JsonElement data, string resources, string scopes, string records) =>
        from resource in data.GetProperty(resources).EnumerateArray()
        let instance = resource.TryGetProperty("resource", out var r) ? Attribute(r, "service.instance.id") : null
        from scope in resource.GetProperty(scopes).EnumerateArray()
        from record in scope.GetProperty(records).EnumerateArray()
        select (record, instance);

    static string? Attribute(JsonElement resource, string key) =>
        resource.TryGetProperty("attributes", out var attributes)
            ? attributes.EnumerateArray().Where(a => a.GetProperty("key").GetString() == key)
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString()).FirstOrDefault()
            : null;
}
