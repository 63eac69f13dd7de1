using System.Net.Sockets;
using System.Text;

namespace WhoAmI.Tests.Published;

/// <summary>
/// A seeded, bounded fuzz run against the AOT binary on loopback: mutated HTTP requests, one connection each.
/// Replay a run with WHOAMI_FUZZ_SEED=… and WHOAMI_FUZZ_COUNT=… (default 10,000).
/// </summary>
[Collection(PublishedCollection.Name)]
public sealed class FuzzTests(PublishedWhoAmI published)
{
    static readonly string[] Seeds =
    [
        "GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "HEAD / HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n",
        "GET /api?wait=1ms&env=true HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
        "GET /data?size=100&unit=kb&attachment=true HTTP/1.1\r\nHost: localhost\r\nRange: bytes=10-20\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /api HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET /echo HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        "GET /bench HTTP/1.1\r\nHost: localhost\r\nCookie: a=b; c=d\r\nAccept-Encoding: gzip\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "GET http://localhost/whoami HTTP/1.1\r\nHost: localhost\r\n\r\n",
    ];

    static readonly byte[][] Oddities =
    [
        [0x00], [0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x9F, 0x98], "\r"u8.ToArray(), "\n"u8.ToArray(), "\r\n\r\n"u8.ToArray(),
        "%"u8.ToArray(), "%zz"u8.ToArray(), "%00"u8.ToArray(), ":"u8.ToArray(), " "u8.ToArray(), "\t"u8.ToArray(),
        "HTTP/1.0"u8.ToArray(), "HTTP/2.0"u8.ToArray(), "Content-Length: -1\r\n"u8.ToArray(),
        "Content-Length: 99999999999999999999\r\n"u8.ToArray(), "Transfer-Encoding: chunked\r\n"u8.ToArray(),
        "?size=9999999999&unit=gb"u8.ToArray(), "?wait=59s"u8.ToArray(), "/../../etc/passwd"u8.ToArray(),
    ];

    [Fact]
    public async Task Mutated_requests_cause_no_crash_no_server_error_and_bounded_memory()
    {
        var seed = FuzzSeed.Value;
        var count = int.TryParse(Environment.GetEnvironmentVariable("WHOAMI_FUZZ_COUNT"), out var c) ? c : 10_000;
        var replay = $"WHOAMI_FUZZ_SEED={seed} WHOAMI_FUZZ_COUNT={count}";
        TestContext.Current.TestOutputHelper?.WriteLine($"fuzz: {replay}");
        Console.WriteLine($"fuzz: {replay}");

        await using var app = await published.StartAsync();
        var port = app.BaseAddress.Port;
        var idleRss = app.ResidentKiB;
        var random = new Random(seed);
        var requests = Enumerable.Range(0, count).Select(_ => Mutate(random)).ToArray();
        var statuses = new int[count];
        var peakRss = idleRss;

        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                statuses[i] = RawHttp.StatusOf((await SendAsync(port, requests[i])));
                if (i % 1000 == 0)
                {
                    Assert.False(app.HasExited, $"the server died during request {i} ({replay}):\n{app.Output}");
                    peakRss = Math.Max(peakRss, app.ResidentKiB);
                }
            }
        })));

        var summary = string.Join(", ", statuses.GroupBy(x => x).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "none" : g.Key)}: {g.Count()}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"fuzz: {count} requests, answers {summary}; RSS idle {idleRss} KiB, peak {peakRss} KiB");
        Console.WriteLine($"fuzz: {count} requests, answers {summary}; RSS idle {idleRss} KiB, peak {peakRss} KiB");

        Assert.False(app.HasExited, $"the server died ({replay}):\n{app.Output}");
        var serverErrors = Enumerable.Range(0, count).Where(i => statuses[i] >= 500 && statuses[i] != 505).ToList();
        Assert.True(serverErrors.Count == 0, $"{serverErrors.Count} server errors ({replay}); first request: {Escape(requests[serverErrors.FirstOrDefault()])}");
        Assert.True(peakRss < idleRss + 64 * 1024, $"RSS grew from {idleRss} KiB to {peakRss} KiB ({replay})");
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", TestContext.Current.CancellationToken)).StatusCode);
    }

    /// <summary>One request, then the sending side shut so the server sees the end; reads its answer for up to 1 s.</summary>
    static async Task<string> SendAsync(int port, byte[] request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        try
        {
            await socket.SendAsync(request, SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }

        return (await RawHttp.ReadAsync(socket, TimeSpan.FromSeconds(1))).Response;
    }

    static byte[] Mutate(Random random)
    {
        var bytes = Encoding.ASCII.GetBytes(Seeds[random.Next(Seeds.Length)]).ToList();
        for (var m = random.Next(1, 5); m > 0; m--)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(7))
            {
                case 0: // flip a byte
                    if (at < bytes.Count) bytes[at] = (byte)random.Next(256);
                    break;
                case 1: // insert random bytes
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256)));
                    break;
                case 2: // truncate
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 3: // a huge token
                    bytes.InsertRange(at, Enumerable.Repeat((byte)"A/%=:x"[random.Next(6)], random.Next(1_000, 40_000)));
                    break;
                case 4: // an invalid encoding or a protocol oddity
                    bytes.InsertRange(at, Oddities[random.Next(Oddities.Length)]);
                    break;
                case 5: // repeat a piece
                    var start = random.Next(bytes.Count + 1);
                    bytes.InsertRange(at, bytes.GetRange(start, Math.Min(random.Next(1, 64), bytes.Count - start)));
                    break;
                default: // delete a piece
                    if (at < bytes.Count) bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
            }
        }

        return [.. bytes];
    }

    static string Escape(byte[] request) =>
        string.Concat(request.Take(300).Select(b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:x2}"));

}
