using System.Net.Sockets;

namespace WhoAmI.Tests.Published;

/// <summary>Memory measured on the AOT binary, alone: run after the parallel tests, since image builds on
/// the same two cores make the thread pool grow and blur what a leak would show.</summary>
[Collection(QuietCollection.Name)]
public sealed class ConnectionChurnTests(PublishedWhoAmI published)
{

    /// <summary>
    /// Descriptors must be back at idle after 6,000 dropped connections. RSS after the first thousands is a
    /// high-water mark (GC budget, Kestrel's buffer pool) whose second-batch growth varies from run to run here
    /// (+0 to +14 MB, threads steady at 13), so memory is held to a bound a leak would break: under 32 MiB above
    /// idle for the Native AOT binary, which 6 KiB kept per connection would break. The trimmed fallback runs on
    /// the JIT, whose tiered recompilation of the warmed paths adds code memory (+33.5 MB measured once on an
    /// SDK-only run), so it gets 48 MiB: 8 KiB kept per connection would still break that.
    /// </summary>
    [Fact]
    public async Task Thousands_of_connections_dropped_without_a_request_leak_neither_descriptors_nor_memory()
    {
        // A 1 MiB gen0 budget makes the GC collect often, so that RSS shows what is kept, not what awaits collection.
        await using var app = await published.StartAsync(environment: new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x100000" });
        await app.Client.GetStringAsync("/whoami", Cancel);
        var (idleFds, idleRss) = (app.Descriptors, app.ResidentKiB);

        await OpenAndDropAsync(app, idleFds, 3_000);
        var (warmFds, warmRss) = await SettledAsync(app, idleFds);
        await OpenAndDropAsync(app, idleFds, 3_000);
        var (fds, rss) = await SettledAsync(app, idleFds);

        var figures = $"fds idle {idleFds}, after 3,000 {warmFds}, after 6,000 {fds}; RSS idle {idleRss} KiB, after 3,000 {warmRss} KiB, after 6,000 {rss} KiB; {app.Threads} threads";
        TestContext.Current.SendDiagnosticMessage($"dropped connections: {figures}");
        Assert.True(fds <= idleFds + 2, $"descriptors not back at idle: {figures}");
        var boundKiB = published.IsNativeAot ? 32 * 1024 : 48 * 1024;
        Assert.True(rss - idleRss < boundKiB, $"RSS grew more than {boundKiB} KiB: {figures}");
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    /// <summary>
    /// What a burst of 3,000 dropped connections took is given back once the server is idle (IdleMemoryTrim): RSS
    /// returns to within 6 MiB of idle in 20 s, the default GC settings as a user runs it. Measured here without the
    /// trim: +17 MiB that stayed (docs/tuning.md, issue 35); with it, +3 MiB 10 s after the burst. The trimmed fallback
    /// is left out: the JIT's code for the burst's paths is memory no collection returns.
    /// </summary>
    [Fact]
    public async Task Memory_a_burst_of_dropped_connections_took_is_given_back_once_the_server_is_idle()
    {
        published.SkipUnlessNativeAot();
        await using var app = await published.StartAsync();
        await app.Client.GetStringAsync("/whoami", Cancel);
        await Task.Delay(1000, Cancel);
        var (idleFds, idleRss) = (app.Descriptors, app.ResidentKiB);

        await OpenAndDropAsync(app, idleFds, 3_000);
        var burstRss = app.ResidentKiB;
        var rss = burstRss;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); rss - idleRss >= 6 * 1024 && DateTime.UtcNow < deadline; rss = app.ResidentKiB)
        {
            await Task.Delay(500, Cancel);
        }

        var figures = $"RSS idle {idleRss} KiB, right after the burst {burstRss} KiB, then {rss} KiB";
        TestContext.Current.SendDiagnosticMessage($"burst given back: {figures}");
        Assert.True(rss - idleRss < 6 * 1024, $"memory not given back within 20 s: {figures}");
    }

    /// <summary>Opens and drops connections 300 at a time, each round let settle before the next, so that
    /// the number in flight is bounded however slowly a busy machine lets the server close them.</summary>
    static async Task OpenAndDropAsync(WhoAmIProcess app, int idleFds, int count)
    {
        for (var opened = 0; opened < count; opened += 300)
        {
            var sockets = new List<Socket>();
            for (var i = 0; i < 300; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, app.BaseAddress.Port, Cancel);
                sockets.Add(socket);
            }

            sockets.ForEach(s => s.Close(0));
            await WaitForDescriptorsAsync(app, idleFds);
        }
    }

    /// <summary>Waits (at most <paramref name="seconds"/>) until the server has closed its side of the dropped connections.</summary>
    static async Task WaitForDescriptorsAsync(WhoAmIProcess app, int idleFds, int seconds = 5)
    {
        for (var wait = 0; wait < seconds * 10 && app.Descriptors > idleFds + 2; wait++)
        {
            await Task.Delay(100, Cancel);
        }
    }

    /// <summary>Descriptors and RSS once the server has closed its side of the dropped connections. A leak stays;
    /// a slow close on a loaded machine (seen once: +3 descriptors after 5 s, the JIT fallback at 44 threads) ends.</summary>
    static async Task<(int Fds, long RssKiB)> SettledAsync(WhoAmIProcess app, int idleFds)
    {
        await WaitForDescriptorsAsync(app, idleFds, seconds: 20);
        await Task.Delay(500, Cancel);
        return (app.Descriptors, app.ResidentKiB);
    }
}
