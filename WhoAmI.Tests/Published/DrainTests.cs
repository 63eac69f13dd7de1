using System.Diagnostics;

namespace WhoAmI.Tests.Published;

/// <summary>SIGTERM to the real binary: with <c>--drain-delay</c>, <c>/ready</c> fails at once while everything else,
/// <c>/health</c> included, keeps answering for the delay; then the server stops with code 0. Without one it stops at once.</summary>
[Collection(PublishedCollection.Name)]
public sealed class DrainTests(PublishedWhoAmI published)
{
    static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Sigterm_with_a_drain_delay_fails_readiness_at_once_serves_the_rest_through_the_delay_then_exits_0()
    {
        await using var app = await published.StartAsync(["--drain-delay", $"{Delay.TotalSeconds:0}s"]);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/ready", Cancel)).StatusCode);

        var clock = Stopwatch.StartNew();
        app.Signal();
        while ((await app.Client.GetAsync("/ready", Cancel)).StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "/ready still answered 200 a second after SIGTERM");
        }

        var notReadyAfter = clock.Elapsed;
        await Task.Delay(Delay / 2 - notReadyAfter, Cancel);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/health", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.Client.GetAsync("/ready", Cancel)).StatusCode);
        Assert.False(app.HasExited, "the server exited inside its drain delay");

        Assert.Equal(0, await app.WaitForExitAsync(Delay + TimeSpan.FromSeconds(10)));
        Measurements.Record("drain: /ready 503 after SIGTERM", $"{notReadyAfter.TotalMilliseconds:0} ms");
        Measurements.Record($"drain: exit after SIGTERM with --drain-delay {Delay.TotalSeconds:0}s", $"{clock.Elapsed.TotalSeconds:0.00} s");
        Assert.True(clock.Elapsed >= Delay, $"exited {clock.Elapsed.TotalSeconds:0.00} s after SIGTERM, inside the {Delay.TotalSeconds:0} s drain");
    }

    [Fact]
    public async Task Sigterm_without_a_drain_delay_stops_at_once()
    {
        await using var app = await published.StartAsync();
        var clock = Stopwatch.StartNew();

        Assert.Equal(0, await app.SignalAndWaitAsync());

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed.TotalSeconds:0.00} s to exit");
    }
}
