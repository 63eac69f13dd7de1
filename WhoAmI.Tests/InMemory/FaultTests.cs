using System.Diagnostics;

namespace WhoAmI.Tests.InMemory;

public sealed class FaultTests
{
    static WhoAmISettings Settings(params string[] args) => WhoAmISettings.Parse(args, _ => null);

    [Fact]
    public async Task Every_request_answers_the_fault_status_at_rate_1_but_the_probes_do_not()
    {
        await using var app = new WhoAmIFactory(settings: Settings("--fault-rate", "1", "--fault-status", "503", "--metrics"));
        var client = app.CreateClient();

        var response = await client.GetAsync("/whoami", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("503", response.Headers.GetValues("X-Fault-Injected").Single());
        Assert.Equal($"fault injected by {WhoAmIFactory.DottedHostName}: 503\n", await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/api", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready", Cancel)).StatusCode);
        // The scrape is spared, and counts the injected answers.
        Assert.Contains("http_response_status_code=\"503\"", await client.GetStringAsync("/metrics", Cancel));
    }

    [Fact]
    public async Task A_delay_alone_slows_the_request_and_then_serves_it()
    {
        await using var app = new WhoAmIFactory(settings: Settings("--fault-rate", "1", "--fault-delay", "300ms"));
        var client = app.CreateClient();
        var clock = Stopwatch.StartNew();

        var response = await client.GetAsync("/whoami", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // A timer may fire a millisecond or so before the stopwatch agrees.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), $"answered after {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>400 requests at rate 0.5: outside 120 to 280 failures has a chance below 1 in 10^20 by chance alone.</summary>
    [Fact]
    public async Task About_the_given_share_of_requests_fail()
    {
        await using var app = new WhoAmIFactory(settings: Settings("--fault-rate", "0.5", "--fault-status", "500"));
        var client = app.CreateClient();

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 400; i++)
        {
            codes.Add((await client.GetAsync("/whoami", Cancel)).StatusCode);
        }

        Assert.InRange(codes.Count(c => c == HttpStatusCode.InternalServerError), 120, 280);
        Assert.All(codes, c => Assert.Contains(c, new[] { HttpStatusCode.OK, HttpStatusCode.InternalServerError }));
    }

    [Fact]
    public async Task Without_fault_switch_faults_cannot_be_read_or_changed()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/faults", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/faults?rate=1&status=503", null, Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Fact]
    public async Task With_fault_switch_faults_are_set_read_and_cleared_at_run_time()
    {
        await using var app = new WhoAmIFactory(settings: Settings("--fault-switch"));
        var client = app.CreateClient();
        Assert.Equal("rate=0 status=none delay=0ms\n", await client.GetStringAsync("/faults", Cancel));

        var set = await client.PostAsync("/faults?rate=1&status=502&delay=10ms", null, Cancel);

        Assert.Equal("rate=1 status=502 delay=10ms\n", await set.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(HttpStatusCode.BadGateway, (await client.GetAsync("/whoami", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/faults", Cancel)).StatusCode);
        await client.PostAsync("/faults", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Theory]
    [InlineData("rate=2&status=503", "faults: rate: '2' is not a share from 0 to 1, such as 0.1")]
    [InlineData("rate=1&status=200", "faults: status: '200' is not a status from 400 to 599, or none")]
    [InlineData("rate=1&delay=2m", "faults: delay: '2m' is not a duration from 0s to 60s, such as 200ms")]
    [InlineData("rate=0.5", "faults: a fault rate of 0.5 needs a status or a delay")]
    [InlineData("rate=1&rate=1&status=503", "faults: rate: give it once")]
    public async Task A_bad_change_gets_400_in_one_line_and_changes_nothing(string query, string reason)
    {
        await using var app = new WhoAmIFactory(settings: Settings("--fault-switch", "--fault-rate", "1", "--fault-status", "418"));
        var client = app.CreateClient();

        var response = await client.PostAsync($"/faults?{query}", null, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(reason + "\n", await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("rate=1 status=418 delay=0ms\n", await client.GetStringAsync("/faults", Cancel));
    }
}
