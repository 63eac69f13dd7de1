namespace WhoAmI.Tests.Published;

/// <summary>
/// <c>--metrics</c> on the published binary, read the way an operator reads it: a real Prometheus scrapes it every
/// second, and its query API must count exactly the requests that were sent, by route and status. promtool, which
/// comes with it, lints the exposition.
/// </summary>
[Trait("Category", "Prometheus")]
[Collection(PublishedCollection.Name)]
public sealed partial class PrometheusTests(PublishedWhoAmI published)
{
    const string Job = "whoami";

    static void SkipUnlessInstalled() => Assert.SkipWhen(Support.Prometheus.MissingReason is not null,
        $"Prometheus group left out: {Support.Prometheus.MissingReason}");

    static string Requests(string status, string route) =>
        $"sum(http_server_request_duration_seconds_count{{job=\"{Job}\",http_response_status_code=\"{status}\"{route}}})";

    [Fact]
    public async Task Prometheus_scraping_the_binary_counts_exactly_the_requests_sent_by_route_and_status()
    {
        SkipUnlessInstalled();
        await using var app = await published.StartAsync(["--metrics"]);
        await using var prometheus = await Support.Prometheus.StartAsync(Job, app.BaseAddress);
        var whoami = Requests("200", ",http_route=\"/whoami\"");

        // Starting the binary waited for a first /whoami answer: those requests are the baseline.
        var before = await prometheus.WaitForAsync(whoami, v => v is not null, TimeSpan.FromSeconds(30));
        Assert.NotNull(before);
        Assert.Equal(1, await prometheus.QueryAsync($"up{{job=\"{Job}\"}}"));

        const int sent = 400, missing = 25;
        await Parallel.ForAsync(0, sent, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Cancel }, async (_, cancel) =>
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", cancel)).StatusCode));
        for (var i = 0; i < missing; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync($"/missing-{i}", Cancel)).StatusCode);
        }

        var after = await prometheus.WaitForAsync(whoami, v => v >= before + sent, TimeSpan.FromSeconds(30));
        Assert.Equal(before + sent, after);
        Assert.Equal(missing, await prometheus.WaitForAsync(Requests("404", ""), v => v >= missing, TimeSpan.FromSeconds(30)));
        Measurements.Record("metrics: requests counted by Prometheus / sent", $"{after - before} / {sent}");

        // Connections, GC and memory are there too, under OpenTelemetry's names.
        Assert.True(await prometheus.QueryAsync($"sum(kestrel_active_connections{{job=\"{Job}\"}})") >= 0);
        Assert.True(await prometheus.QueryAsync($"sum(dotnet_gc_heap_total_allocated_bytes_total{{job=\"{Job}\"}})") > 0);
        Assert.True(await prometheus.QueryAsync($"dotnet_process_memory_working_set_bytes{{job=\"{Job}\"}}") > 1_000_000);
        Assert.True(await prometheus.QueryAsync($"sum(dotnet_process_cpu_time_seconds_total{{job=\"{Job}\"}})") > 0);
    }

    [Fact]
    public async Task Promtool_finds_nothing_to_lint_in_the_exposition()
    {
        SkipUnlessInstalled();
        await using var app = await published.StartAsync(["--metrics"]);
        (await app.Client.GetAsync("/whoami", Cancel)).Dispose();
        (await app.Client.GetAsync("/missing", Cancel)).Dispose();
        var exposition = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(exposition, await app.Client.GetStringAsync("/metrics", Cancel), Cancel);

            var (exitCode, output) = await Run.ProcessAsync("sh", ["-c", $"promtool check metrics < {exposition}"], TimeSpan.FromMinutes(1));

            // promtool's one style lint here is about names the runtime chose (dotnet.assembly.count, a gauge, becomes
            // dotnet_assembly_count, as OpenTelemetry's exporter names it too): those lines alone are allowed (exit 3).
            var findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => !RuntimeCountName().IsMatch(line)).ToList();
            Assert.True(exitCode is 0 or 3 && findings.Count == 0, $"promtool check metrics: exit {exitCode}\n{output}");
        }
        finally
        {
            File.Delete(exposition);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^dotnet_[a-z_]+_count non-histogram and non-summary metrics should not have ""_count"" suffix$")]
    private static partial System.Text.RegularExpressions.Regex RuntimeCountName();
}
