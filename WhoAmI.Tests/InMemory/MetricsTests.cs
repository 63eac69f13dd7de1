using System.Text.RegularExpressions;

namespace WhoAmI.Tests.InMemory;

public sealed partial class MetricsTests
{
    static WhoAmISettings Settings(params string[] args) => WhoAmISettings.Parse(args, _ => null);

    [Fact]
    public async Task Metrics_is_an_unknown_path_without_the_setting()
    {
        await using var app = new WhoAmIFactory();

        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync("/metrics", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Metrics_counts_this_hosts_requests_by_route_and_status_in_the_prometheus_text_format()
    {
        await using var app = new WhoAmIFactory(settings: Settings("--metrics"));
        var client = app.CreateClient();
        for (var i = 0; i < 7; i++)
        {
            (await client.GetAsync("/whoami", Cancel)).Dispose();
        }

        (await client.GetAsync("/no-such-page", Cancel)).Dispose();
        (await client.PostAsync("/whoami", null, Cancel)).Dispose();

        using var response = await client.GetAsync("/metrics", Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram\n", text);
        // Other tests' hosts run in this process at the same time; only this host's requests are counted.
        Assert.Equal(7, Count(text, "200", "/whoami"));
        Assert.Equal(1, Count(text, "405", null)); // routing's 405 answer is not the route's endpoint
        Assert.Equal(1, Count(text, "404", null));
        Assert.Matches(@"\nhttp_server_request_duration_seconds_bucket\{[^}]*http_route=""/whoami""[^}]*le=""\+Inf""\} 7\n", text);
        Assert.Matches(@"\ndotnet_gc_heap_total_allocated_bytes_total [1-9]", text);
        Assert.Contains("\n# TYPE http_server_active_requests gauge\n", text);
    }

    [Fact]
    public async Task Head_metrics_answers_the_content_type_and_no_body()
    {
        await using var app = new WhoAmIFactory(settings: Settings("--metrics"));

        using var response = await app.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Head, "/metrics"), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Cancel));
    }

    /// <summary>The <c>_count</c> of the request-duration series with this status and route (none: no route label).</summary>
    static long Count(string text, string status, string? route)
    {
        var counts = CountLine().Matches(text)
            .Where(m => m.Groups["labels"].Value.Contains($"http_response_status_code=\"{status}\"")
                && (route is null ? !m.Groups["labels"].Value.Contains("http_route=") : m.Groups["labels"].Value.Contains($"http_route=\"{route}\"")))
            .Select(m => long.Parse(m.Groups["count"].Value)).ToList();
        return Assert.Single(counts);
    }

    [GeneratedRegex(@"^http_server_request_duration_seconds_count\{(?<labels>[^}]*)\} (?<count>\d+)$", RegexOptions.Multiline)]
    private static partial Regex CountLine();
}
