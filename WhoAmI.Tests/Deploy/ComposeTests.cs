using System.Text.Json;
using WhoAmI.Tests.Containers;

namespace WhoAmI.Tests.Deploy;

/// <summary>deploy/compose.yaml on one host, as a user starts it: <c>up --scale whoami=3</c> behind HAProxy, each
/// replica's metrics on its own address; deploy/compose.chain.yaml's frontend → backend chain.</summary>
[Trait("Category", "Swarm")]
[Collection(ContainerCollection.Name)]
public sealed class ComposeTests(ContainerImages images)
{
    static readonly string ComposeFile = Path.Combine(RepositoryRoot.Path, "deploy", "compose.yaml");

    static readonly string ChainFile = Path.Combine(RepositoryRoot.Path, "deploy", "compose.chain.yaml");

    [Fact]
    public async Task Compose_up_with_three_replicas_answers_with_each_replicas_container_name()
    {
        images.SkipUnlessAvailable();
        await SwarmStack.SkipUnlessHaproxyAsync();
        var compose = await ComposeCommandAsync();
        var project = $"whoami-test-{Guid.NewGuid():N}"[..20];
        var port = WhoAmIProcess.FreePort();
        var environment = new Dictionary<string, string?>
        {
            ["WHOAMI_IMAGE"] = await images.SdkImage, ["HAPROXY_IMAGE"] = SwarmStack.HaproxyImage, ["WHOAMI_PORT"] = $"{port}",
        };
        string[] Args(params string[] args) => [.. compose[1..], "-f", ComposeFile, "-p", project, .. args];
        try
        {
            await Docker.RunAsync(Args("up", "-d", "--scale", "whoami=3"), environment, compose[0]);
            var containers = (await Docker.RunAsync(Args("ps", "-q", "whoami"), environment, compose[0]))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(id => id[..12]).Order().ToList();

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var names = new HashSet<string>();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (names.Count < 3 && DateTime.UtcNow < deadline)
            {
                if (await TryWhoamiAsync(client) is { } name)
                {
                    names.Add(name);
                }
                else
                {
                    await Task.Delay(200, TestContext.Current.CancellationToken);
                }
            }

            Assert.Equal(3, containers.Count);
            Assert.Equal(containers, names.Order());

            // Metrics are on (WHOAMI_METRICS): each replica serves its own on its address; HAProxy refuses the path.
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/metrics", TestContext.Current.CancellationToken)).StatusCode);
            foreach (var container in containers)
            {
                var address = await Docker.RunAsync("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container);
                var metrics = await client.GetStringAsync($"http://{address}:{BuildFacts.HttpPort}/metrics", TestContext.Current.CancellationToken);
                Assert.Matches(@"\nhttp_server_request_duration_seconds_count\{[^}]*http_route=""/whoami""[^}]*\} [1-9]", metrics);
            }
        }
        finally
        {
            await Run.ProcessAsync(compose[0], Args("down", "--timeout", "5"), TimeSpan.FromMinutes(2), environment);
        }
    }

    [Fact]
    public async Task Compose_chain_answers_with_the_frontend_then_a_backend_container_in_the_callers_trace()
    {
        images.SkipUnlessAvailable();
        var compose = await ComposeCommandAsync();
        var project = $"whoami-chain-{Guid.NewGuid():N}"[..20];
        var port = WhoAmIProcess.FreePort();
        var environment = new Dictionary<string, string?> { ["WHOAMI_IMAGE"] = await images.SdkImage, ["WHOAMI_PORT"] = $"{port}" };
        string[] Args(params string[] args) => [.. compose[1..], "-f", ChainFile, "-p", project, .. args];
        try
        {
            await Docker.RunAsync(Args("up", "-d", "--scale", "backend=2"), environment, compose[0]);
            var backends = (await Docker.RunAsync(Args("ps", "-q", "backend"), environment, compose[0]))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(id => id[..12]).ToList();
            var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            JsonElement? chain = null;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (chain is null && DateTime.UtcNow < deadline)
            {
                chain = await TryChainAsync(client, traceId);
                if (chain is null)
                {
                    await Task.Delay(200, TestContext.Current.CancellationToken);
                }
            }

            Assert.NotNull(chain);
            var front = chain.Value;
            Assert.Equal("frontend", front.GetProperty("name").GetString());
            Assert.Equal(traceId, front.GetProperty("traceId").GetString());
            var backend = front.GetProperty("backends").EnumerateArray().Single();
            Assert.Equal("http://backend:8080/chain", backend.GetProperty("url").GetString());
            var back = backend.GetProperty("answer");
            Assert.Equal(2, back.GetProperty("hop").GetInt32());
            Assert.Equal("backend", back.GetProperty("name").GetString());
            Assert.Contains(back.GetProperty("hostname").GetString(), backends);
            Assert.Equal(traceId, back.GetProperty("traceId").GetString());
        }
        finally
        {
            await Run.ProcessAsync(compose[0], Args("down", "--timeout", "5"), TimeSpan.FromMinutes(2), environment);
        }
    }

    /// <summary>The frontend's <c>/chain</c> once it answers 200 (the backends up), else null.</summary>
    static async Task<JsonElement?> TryChainAsync(HttpClient client, string traceId)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/chain");
            request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone()
                : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The answer to <c>/whoami</c>, or null while HAProxy or the replicas are not up yet (refused, or 503).</summary>
    static async Task<string?> TryWhoamiAsync(HttpClient client)
    {
        try
        {
            using var response = await client.GetAsync("/whoami", TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Compose v2 (<c>docker compose</c>) where the plugin is installed, else Debian's docker-compose 1.29.</summary>
    static async Task<string[]> ComposeCommandAsync()
    {
        if (await Docker.ExitCodeAsync("compose", "version") == 0)
        {
            return ["docker", "compose"];
        }

        var (exitCode, _) = await Run.ProcessAsync("docker-compose", ["version"], TimeSpan.FromMinutes(1));
        Assert.SkipWhen(exitCode != 0, "neither `docker compose` nor docker-compose is installed (Debian/Ubuntu: apt-get install docker-compose)");
        return ["docker-compose"];
    }
}
