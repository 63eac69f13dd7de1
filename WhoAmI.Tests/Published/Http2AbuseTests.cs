using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace WhoAmI.Tests.Published;

/// <summary>
/// The HTTP/2 attacks of the last years against the published binary, over each way to reach its HTTP/2: prior
/// knowledge, <c>Upgrade: h2c</c> (WhoAmI's own code sits between the client and Kestrel there) and TLS with ALPN. Each
/// abusive connection must be closed by the server or throttled (its writes held back), while another client on its own
/// connection is answered within 100 ms throughout, and the server's memory stays bounded. Run with the tests measured
/// alone: an image build on the same two cores would time the machine, not the server.
/// </summary>
[Collection(QuietCollection.Name)]
public sealed class Http2AbuseTests(PublishedWhoAmI published) : IDisposable
{
    // Bounds of each attack: frames written, and time.
    const int Resets = 20_000, FloodBytes = 32 << 20, ContinuationFrames = 2_000, Streams = 1_000;
    static readonly TimeSpan AttackTime = TimeSpan.FromSeconds(5);

    readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    public static TheoryData<string, string> Cases => new()
    {
        { "prior knowledge", "rapid reset" }, { "prior knowledge", "CONTINUATION flood" }, { "prior knowledge", "SETTINGS flood" },
        { "prior knowledge", "PING flood" }, { "prior knowledge", "1,000 streams" },
        { "upgrade", "rapid reset" }, { "upgrade", "CONTINUATION flood" }, { "upgrade", "SETTINGS flood" },
        { "upgrade", "PING flood" }, { "upgrade", "1,000 streams" },
        { "TLS", "rapid reset" }, { "TLS", "CONTINUATION flood" }, { "TLS", "SETTINGS flood" },
        { "TLS", "PING flood" }, { "TLS", "1,000 streams" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_abusive_http2_connection_is_closed_or_throttled_while_another_client_is_answered(string transport, string attack)
    {
        var tls = transport == "TLS";
        await using var app = await published.StartAsync(args: tls ? _certificates.ServerArgs() : null, tlsHandler: tls ? _certificates.Handler() : null);
        await WarmUpAsync(transport, app.BaseAddress.Port);
        var idleRss = app.ResidentKiB;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var probe = ProbeAsync(app, stop.Token);

        await using var connection = await ConnectAsync(transport, app.BaseAddress.Port);
        var outcome = await AttackAsync(attack, connection, FirstStream(transport));
        var peakRss = Math.Max(idleRss, app.ResidentKiB);

        // The other client goes on a little after an attack that ended at once.
        await Task.Delay(TimeSpan.FromMilliseconds(500), Cancel);
        await stop.CancelAsync();
        var (probes, slowest, slowestAt) = await probe;
        var waited = $"{slowest.TotalMilliseconds:F1} ms, {slowestAt.TotalSeconds:F1} s in";
        Measurements.Record($"http2 abuse: {attack} over {transport}",
            $"{outcome}; the other client: {probes} answers, slowest {waited}; RSS {idleRss:N0} → {peakRss:N0} KiB");

        Assert.False(app.HasExited, app.Output);
        Assert.True(outcome.StartsWith("closed", StringComparison.Ordinal) || outcome.StartsWith("throttled", StringComparison.Ordinal)
            || outcome.StartsWith("refused", StringComparison.Ordinal), $"{transport}, {attack}: {outcome}");
        Assert.True(probes >= 5, $"the other client got {probes} answers");
        Assert.True(slowest < TimeSpan.FromMilliseconds(100), $"{transport}, {attack}: the other client waited {waited}");
        Assert.True(peakRss < idleRss + 64 * 1024, $"{transport}, {attack}: RSS {idleRss} → {peakRss} KiB");
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    /// <summary>GET /whoami every 10 ms on the test's own client until stopped: how many answers, the slowest, and
    /// when it was sent.</summary>
    static async Task<(int Count, TimeSpan Slowest, TimeSpan SlowestAt)> ProbeAsync(WhoAmIProcess app, CancellationToken stop)
    {
        var (count, slowest, slowestAt) = (0, TimeSpan.Zero, TimeSpan.Zero);
        (await app.Client.GetAsync("/whoami", Cancel)).EnsureSuccessStatusCode(); // the connection made before timing
        var probing = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            var sent = probing.Elapsed;
            var watch = Stopwatch.StartNew();
            using var answer = await app.Client.GetAsync("/whoami", Cancel);
            answer.EnsureSuccessStatusCode();
            (slowest, slowestAt) = watch.Elapsed > slowest ? (watch.Elapsed, sent) : (slowest, slowestAt);
            count++;
            try
            {
                await Task.Delay(10, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return (count, slowest, slowestAt);
    }

    /// <summary>
    /// Has the server answer 99 streams at once on a connection of its own before anything is timed. The trimmed
    /// fallback (no C linker) compiles each method at its first call, trimming having dropped the framework's
    /// ReadyToRun code: its first burst of 100 answers kept the other client waiting 104–132 ms, 2.2 s into the
    /// 1,000-stream attack, in three runs of four (docs/references.md), where Native AOT's kept it 1–17 ms. The
    /// attacks are about what one connection does to the others, not about a cold compiler.
    /// </summary>
    async Task WarmUpAsync(string transport, int port)
    {
        await using var connection = await ConnectAsync(transport, port);
        var streams = StreamIds(FirstStream(transport), 99).ToArray(); // in order: a stream id below one used is an error
        await connection.WriteAsync(Http2Wire.Frame(Http2Wire.WindowUpdate, 0, 0, [0, 0x10, 0, 0]), Cancel); // room for all the answers
        await connection.WriteAsync(Requests(streams, "/api?wait=100ms"), Cancel);
        var open = streams.ToHashSet();
        while (open.Count > 0)
        {
            var frame = await Http2Wire.ReadFrameAsync(connection, Cancel) ?? throw new IOException("the server closed the warm-up's connection");
            if (frame.Type is Http2Wire.RstStream || (frame.Type is Http2Wire.Data or Http2Wire.Headers && (frame.Flags & Http2Wire.EndStream) != 0))
            {
                open.Remove(frame.Stream);
            }
        }
    }

    /// <summary>The client's first stream of its own: after an upgrade, stream 1 is the upgrade's request.</summary>
    static int FirstStream(string transport) => transport == "upgrade" ? 3 : 1;

    static IEnumerable<int> StreamIds(int first, int count) => Enumerable.Range(0, count).Select(i => first + 2 * i);

    /// <summary>A GET of <paramref name="path"/> on each stream, as one write.</summary>
    static byte[] Requests(IEnumerable<int> streams, string path) => [.. streams.SelectMany(stream => Http2Wire.Request(stream, path: path))];

    async Task<Stream> ConnectAsync(string transport, int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, Cancel);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (transport == "TLS")
        {
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                RemoteCertificateValidationCallback = _certificates.TrustsOnlyAuthority,
            }, Cancel);
            Assert.Equal(SslApplicationProtocol.Http2, ssl.NegotiatedApplicationProtocol);
            stream = ssl;
        }
        else if (transport == "upgrade")
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n" +
                "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n"), Cancel);
            Assert.StartsWith("HTTP/1.1 101 ", await RawHttp.ReadHeadAsync(stream, TimeSpan.FromSeconds(5)));
        }

        await stream.WriteAsync(Http2Wire.ClientPreface, Cancel);
        return stream;
    }

    /// <summary>
    /// Writes the attack for at most <see cref="AttackTime"/>, reading the server's frames beside it, and says what
    /// became of the connection: "closed" (with the GOAWAY's code, if one came), "throttled" (writes held back: the
    /// server stopped reading a client that does not read), "refused" (streams over the limit reset), or "served all".
    /// </summary>
    static async Task<string> AttackAsync(string attack, Stream connection, int firstStream)
    {
        // SETTINGS and PING floods do not read the server's acknowledgements, which is the attack: the server must not
        // queue them without bound. The others read, to see resets and GOAWAY.
        var reads = attack is not ("SETTINGS flood" or "PING flood");
        var seen = new Http2Seen();
        var reader = reads ? seen.ReadAllAsync(connection) : Task.CompletedTask;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        deadline.CancelAfter(AttackTime);
        var (written, total) = (0, 0);
        try
        {
            switch (attack)
            {
                case "rapid reset":
                    total = Resets;
                    for (var i = 0; i < Resets && !seen.Ended; i += 100)
                    {
                        var batch = new MemoryStream();
                        for (var j = 0; j < 100; j++)
                        {
                            var stream = firstStream + 2 * (i + j);
                            batch.Write(Http2Wire.Request(stream));
                            batch.Write(Http2Wire.Frame(Http2Wire.RstStream, 0, stream, [0, 0, 0, 8])); // CANCEL
                        }

                        await connection.WriteAsync(batch.ToArray(), deadline.Token);
                        written += 100;
                    }

                    break;
                case "CONTINUATION flood":
                    total = ContinuationFrames;
                    await connection.WriteAsync(Http2Wire.Frame(Http2Wire.Headers, Http2Wire.EndStream, firstStream,
                        Http2Wire.HeaderBlock([(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", "/whoami")])), deadline.Token);
                    var block = Http2Wire.HeaderBlock([("x-flood", new string('a', 16_000))]);
                    for (; written < ContinuationFrames && !seen.Ended; written++)
                    {
                        await connection.WriteAsync(Http2Wire.Frame(Http2Wire.Continuation, 0, firstStream, block), deadline.Token);
                    }

                    break;
                case "SETTINGS flood" or "PING flood":
                    var frame = attack == "PING flood" ? Http2Wire.Frame(Http2Wire.Ping, 0, 0, new byte[8]) : Http2Wire.Frame(Http2Wire.Settings, 0, 0, []);
                    total = FloodBytes / frame.Length; // as many bytes of either: more than the sockets' buffers hold
                    var batchOf = Enumerable.Repeat(frame, 1000).SelectMany(f => f).ToArray();
                    for (; written < total; written += 1000)
                    {
                        await connection.WriteAsync(batchOf, deadline.Token);
                    }

                    break;
                case "1,000 streams":
                    total = Streams;
                    await connection.WriteAsync(Requests(StreamIds(firstStream, Streams), "/api?wait=2s"), deadline.Token);
                    written = Streams;
                    await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(3), Cancel));
                    break;
            }
        }
        catch (OperationCanceledException) when (!Cancel.IsCancellationRequested)
        {
            return $"throttled: {written:N0} of {total:N0} written in {AttackTime.TotalSeconds} s";
        }
        catch (IOException)
        {
            seen.Ended = true; // the server closed while we wrote
        }

        if (!reads)
        {
            // What the server sent while it was flooded: a GOAWAY, or its answers until it stops (the flood is over).
            reader = seen.ReadAllAsync(connection);
        }

        await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(3), Cancel));
        return seen.GoAway is { } code ? $"closed: GOAWAY {code} after {written:N0} of {total:N0}; {seen}"
            : seen.Ended ? $"closed after {written:N0} of {total:N0}; {seen}"
            : seen.Refused > 0 ? $"refused: {seen}"
            : $"served all {written:N0}; {seen}";
    }

    /// <summary>What the server sent: a GOAWAY, streams reset as refused, answers.</summary>
    sealed class Http2Seen
    {
        public volatile bool Ended;
        public string? GoAway;
        public int Refused, Reset, Answered, Acks;

        public async Task ReadAllAsync(Stream connection)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
            cancel.CancelAfter(TimeSpan.FromSeconds(20));
            try
            {
                while (await Http2Wire.ReadFrameAsync(connection, cancel.Token) is { } frame)
                {
                    switch (frame.Type)
                    {
                        case Http2Wire.GoAway:
                            GoAway ??= frame.ErrorCode;
                            break;
                        case Http2Wire.RstStream when frame.ErrorCode == "REFUSED_STREAM":
                            Refused++;
                            break;
                        case Http2Wire.RstStream:
                            Reset++;
                            break;
                        case Http2Wire.Headers:
                            Answered++;
                            break;
                        case Http2Wire.Settings or Http2Wire.Ping when (frame.Flags & Http2Wire.Ack) != 0:
                            Acks++;
                            break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return; // still open
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
            }

            Ended = true;
        }

        public override string ToString() => $"{Answered:N0} answered, {Refused:N0} refused, {Reset:N0} reset, {Acks:N0} acknowledgements";
    }
}
