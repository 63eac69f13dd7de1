using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace WhoAmI.Tests.Published;

/// <summary>
/// Seeded fuzz of the parsers of untrusted input that sit before Kestrel's own: the HTTP/1.1 head of an upgrade
/// request and its <c>HTTP2-Settings</c> (WhoAmI/Server/H2cUpgrade.cs; a third of the values generated), and gRPC frames and messages on the wire
/// (WhoAmI/Grpc/). Replay a run with WHOAMI_FUZZ_SEED=….
/// </summary>
[Collection(PublishedCollection.Name)]
public sealed class ProtocolFuzzTests(PublishedWhoAmI published)
{
    const int UpgradeRequests = 600, GrpcCalls = 600;

    static readonly string[] Methods = ["GET", "GET", "GET", "HEAD", "POST", "DELETE", "OPTIONS", "get", "G ET", "PRI"];
    static readonly string[] Targets =
    [
        "/whoami", "/whoami", "/", "/api", "/api?env=true", "/health", "/nothing-here", "/whoami?a=b&c=%20d", "*", "http://localhost/whoami",
        "/whoami?%zz", "/%00", "/../whoami", "//whoami", "/whoami#frag", "whoami", "/whoami?" + new string('q', 8_200),
    ];
    static readonly string[] Versions = ["HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "http/1.1", "HTTP/1.1 "];
    static readonly string[] Fields =
    [
        "Host: localhost", "Host: localhost", "Host:", "Host: a b", "Accept: */*", "User-Agent: fuzz", "X-Forwarded-For: 10.0.0.1",
        "TE: trailers", "TE: gzip", "Keep-Alive: 5", "Transfer-Encoding: chunked", "Content-Length: 0", "Content-Length: 5",
        "Expect: 100-continue", "X Bad: 1", "X-Ctl: a\u0001b", " folded: continuation", "X-Empty:", ": no-name", "X-Big: " + new string('b', 20_000),
        "X-Bigger: " + new string('b', 33_000), "Cookie: a=b", "Connection: keep-alive", "Proxy-Connection: keep-alive", "X-Latin: caf\u00e9",
        "Host: localhost:8080", "Host: [::1]:80", "Host: [::1]", "Host: a:1:2", "Host: [::1", "Host: ::1", "Host: x:", "Host: a,b", "Host: %41",
        "Host: a_b", "Host: [::1]x", "Host: a]:80", "Host: x:123456",
    ];
    static readonly string[] Settings =
    [
        "AAMAAABkAAQAoAAAAAIAAAAA", "AAMAAABk", "", "=", "AAMAAABk=", "!!!", "AAMAAAB", "AAMAAABkAAQ", new string('A', 8), new string('A', 6_000),
        "AAMAAABk AAQ", "_-_-_-_-", "AAMAAABkAAMAAABk",
    ];

    /// <summary>
    /// Each generated request is sent twice: as written, and with every <c>h2c</c> in it made <c>h3x</c> (the same
    /// length, the same number of fields, nothing to upgrade to). Kestrel's answer to the second is the reference. An
    /// upgrade request that is not upgraded must get that same answer; one that is upgraded must be one Kestrel serves
    /// (no 400, 413, 414, 431), answered on stream 1 with the same status (or closed with a GOAWAY), never a 5xx.
    /// </summary>
    [Fact]
    public async Task Fuzzed_upgrade_heads_get_kestrels_own_answer_or_an_upgrade_kestrel_would_have_served()
    {
        var random = FuzzSeed.Random("upgrade fuzz");
        await using var app = await published.StartAsync();
        var idleRss = app.ResidentKiB;
        var (upgraded, refusedAlike, servedAlike) = (0, 0, 0);
        var failures = new List<string>();

        for (var i = 0; i < UpgradeRequests && failures.Count < 5; i++)
        {
            var request = Generate(random);
            var plain = Regex.Replace(request, "h2c", "h3x", RegexOptions.IgnoreCase);
            var reference = (await SendUpgradeAsync(app.BaseAddress.Port, plain)).Status;
            var outcome = await SendUpgradeAsync(app.BaseAddress.Port, request);

            var fine = outcome switch
            {
                { Upgraded: false } => outcome.Status == reference,
                { Upgraded: true, Status: 0 } => reference is < 400 or 404 or 405, // stream 1's :status not in the static table, or GOAWAY
                { Upgraded: true } => outcome.Status == reference,
            };
            if (!fine)
            {
                failures.Add($"{Escape(request)}\n  → {(outcome.Upgraded ? $"101, stream 1: {outcome.Status} ({outcome.Detail})" : outcome.Status)}; without h2c: {reference}");
            }

            (upgraded, refusedAlike, servedAlike) = outcome.Upgraded ? (upgraded + 1, refusedAlike, servedAlike)
                : reference >= 400 ? (upgraded, refusedAlike + 1, servedAlike) : (upgraded, refusedAlike, servedAlike + 1);
        }

        var peakRss = app.ResidentKiB;
        Measurements.Record("fuzz: upgrade heads", $"{UpgradeRequests} requests: {upgraded} upgraded, {servedAlike} served as HTTP/1.1, {refusedAlike} refused as without h2c; RSS {idleRss:N0} → {peakRss:N0} KiB");
        Assert.True(failures.Count == 0, $"WHOAMI_FUZZ_SEED={FuzzSeed.Value}:\n{string.Join('\n', failures)}\nthe server's log:\n{app.Output}");
        Assert.False(app.HasExited, app.Output);
        Assert.InRange(upgraded, UpgradeRequests / 20, UpgradeRequests * 9 / 10); // the generator reaches both sides
        Assert.True(peakRss < idleRss + 64 * 1024, $"RSS {idleRss} → {peakRss} KiB");
    }

    static string Generate(Random random)
    {
        T Pick<T>(T[] items) => items[random.Next(items.Length)];
        // Each part right more often than not, so that about half the requests are upgraded.
        T Mostly<T>(T right, T[] items) => random.Next(3) == 0 ? Pick(items) : right;
        var fields = Enumerable.Range(0, random.Next(0, 4)).Select(_ => Mostly("Accept: */*", Fields)).ToList();
        // One Host mostly: the default, or the one picked above; now and then two.
        if (random.Next(10) < (fields.Any(f => f.StartsWith("Host:", StringComparison.Ordinal)) ? 2 : 9))
        {
            fields.Insert(0, "Host: localhost");
        }

        // The upgrade's three fields, mostly right; their values and tokens fuzzed.
        fields.Add(Mostly("Connection: Upgrade, HTTP2-Settings", ["Connection: upgrade,http2-settings",
            "Connection: Upgrade", "Connection: HTTP2-Settings", "Connection: Upgrade, HTTP2-Settings, close", "Connection: Upgrade,, HTTP2-Settings"]));
        fields.Add(Mostly("Upgrade: h2c", ["Upgrade: H2C", "Upgrade: websocket, h2c", "Upgrade: h2", "Upgrade: h2c ", "Upgrade:h2c", "Upgrade: h2cx"]));
        for (var n = random.Next(10) switch { 0 => 0, 1 => 2, _ => 1 }; n > 0; n--)
        {
            fields.Add("HTTP2-Settings: " + (random.Next(3) == 0 ? RandomSettings(random) : Mostly("AAMAAABk", Settings)));
        }

        if (random.Next(8) == 0)
        {
            fields.AddRange(Enumerable.Range(0, random.Next(30, 80)).Select(j => $"X-F{j}: {j}"));
        }

        fields = [.. fields.OrderBy(_ => random.Next())];
        // A body announced is sent, so that every request is whole and the server answers without waiting for more.
        var body = fields.Contains("Transfer-Encoding: chunked") ? "0\r\n\r\n" : fields.Contains("Content-Length: 5") ? "hello" : "";
        return $"{Mostly("GET", Methods)} {Mostly("/whoami", Targets)} {Mostly("HTTP/1.1", Versions)}\r\n{string.Join("", fields.Select(f => f + "\r\n"))}\r\n{body}";
    }

    /// <summary>An HTTP2-Settings value: base64url of 0–20 settings, now and then cut, padded or with a stranger in it.</summary>
    static string RandomSettings(Random random)
    {
        var payload = new byte[6 * random.Next(0, 21) + (random.Next(5) == 0 ? random.Next(1, 6) : 0)];
        random.NextBytes(payload);
        var value = Convert.ToBase64String(payload).TrimEnd(random.Next(6) == 0 ? ' ' : '=').Replace('+', '-').Replace('/', '_');
        return random.Next(8) == 0 && value.Length > 0 ? value.Insert(random.Next(value.Length), "+/= .\u00e9"[random.Next(6)].ToString()) : value;
    }

    sealed record UpgradeOutcome(bool Upgraded, int Status, string Detail);

    /// <summary>The HTTP/1 status, or after a 101 the client's preface and stream 1's status (0: not indexed, or none).
    /// The request is never half-closed: Kestrel takes that as the client leaving and may answer nothing, or 500.</summary>
    static async Task<UpgradeOutcome> SendUpgradeAsync(int port, string request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, Cancel);
        await using var connection = new NetworkStream(socket, ownsSocket: false);
        try
        {
            await connection.WriteAsync(Encoding.Latin1.GetBytes(request), Cancel);
        }
        catch (IOException)
        {
        }

        var head = await RawHttp.ReadHeadAsync(connection, TimeSpan.FromSeconds(10));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        var status = RawHttp.StatusOf(head);
        if (status != 101)
        {
            return new(false, status, "");
        }

        await connection.WriteAsync(Http2Wire.ClientPreface, timeout.Token);
        try
        {
            while (await Http2Wire.ReadFrameAsync(connection, timeout.Token) is { } frame)
            {
                if (frame.Type == Http2Wire.Headers && frame.Stream == 1)
                {
                    return new(true, frame.Status, "HEADERS");
                }

                if (frame.Type is Http2Wire.GoAway or Http2Wire.RstStream)
                {
                    return new(true, 0, $"{(frame.Type == Http2Wire.GoAway ? "GOAWAY" : "RST_STREAM")} {frame.ErrorCode}");
                }
            }

            return new(true, 0, "closed");
        }
        catch (OperationCanceledException) when (!Cancel.IsCancellationRequested)
        {
            return new(true, -1, "no answer within 3 s");
        }
    }

    static readonly string[] GrpcMethods = ["/whoami.Whoami/Whoami", "/whoami.Whoami/Bench", "/grpc.health.v1.Health/Check"];

    /// <summary>
    /// gRPC calls with fuzzed bodies (length prefixes that lie, the compressed flag, several messages, random protobuf
    /// fields and wire types), sent as any gRPC client sends them: each gets HTTP 200 and a grpc-status of OK,
    /// INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNIMPLEMENTED or INTERNAL in its trailers (UNKNOWN for a compressed flag
    /// that is neither 0 nor 1, Grpc.AspNetCore's own answer), never a 5xx or a reset stream.
    /// </summary>
    [Fact]
    public async Task Fuzzed_grpc_frames_and_messages_get_a_grpc_status_never_a_broken_stream()
    {
        var random = FuzzSeed.Random("grpc fuzz");
        await using var app = await published.StartAsync();
        var idleRss = app.ResidentKiB;
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        var codes = new SortedDictionary<string, int>();
        var failures = new List<string>();

        for (var i = 0; i < GrpcCalls && failures.Count < 5; i++)
        {
            var method = GrpcMethods[random.Next(GrpcMethods.Length)];
            var (body, badFlag) = GrpcBody(random);
            using var request = new HttpRequestMessage(HttpMethod.Post, method)
            {
                Content = new ByteArrayContent(body), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TE.ParseAdd("trailers");
            try
            {
                using var response = await client.SendAsync(request, Cancel);
                await response.Content.ReadAsByteArrayAsync(Cancel);
                var code = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.First()
                    : response.Headers.TryGetValues("grpc-status", out var inHeaders) ? inHeaders.First() : "none";
                codes[code] = codes.GetValueOrDefault(code) + 1;
                // A compressed flag other than 0 or 1 is Grpc.AspNetCore's to refuse (its framing, not WhoAmI's code): UNKNOWN.
                if (response.StatusCode != HttpStatusCode.OK || code is not ("0" or "3" or "8" or "12" or "13") && !(code == "2" && badFlag))
                {
                    failures.Add($"{method} {Convert.ToHexString(body.AsSpan(0, Math.Min(body.Length, 64)))}: HTTP {(int)response.StatusCode}, grpc-status {code}");
                }
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{method} {Convert.ToHexString(body.AsSpan(0, Math.Min(body.Length, 64)))}: {e.Message} {e.InnerException?.Message}");
            }
        }

        var peakRss = app.ResidentKiB;
        Measurements.Record("fuzz: gRPC calls", $"{GrpcCalls} calls, grpc-status {string.Join(", ", codes.Select(c => $"{c.Key}: {c.Value}"))}; RSS {idleRss:N0} → {peakRss:N0} KiB");
        Assert.True(failures.Count == 0, $"WHOAMI_FUZZ_SEED={FuzzSeed.Value}:\n{string.Join('\n', failures)}\nthe server's log:\n{app.Output}");
        Assert.True(codes.Count >= 2, $"the generator reached only {string.Join(", ", codes.Keys)}");
        Assert.False(app.HasExited, app.Output);
        Assert.True(peakRss < idleRss + 64 * 1024, $"RSS {idleRss} → {peakRss} KiB");
    }

    /// <summary>A gRPC request body: one or more length-prefixed messages, some of them lying; and whether a compressed
    /// flag is neither 0 nor 1.</summary>
    static (byte[] Body, bool BadFlag) GrpcBody(Random random)
    {
        var body = new MemoryStream();
        var badFlag = false;
        for (var messages = random.Next(6) switch { 0 => 0, 1 => 2, _ => 1 }; messages > 0; messages--)
        {
            var message = ProtobufLike(random);
            var compressed = random.Next(12) == 0 ? (byte)random.Next(1, 256) : (byte)0;
            badFlag |= compressed > 1;
            var length = random.Next(10) switch { 0 => message.Length + random.Next(1, 100), 1 => Math.Max(0, message.Length - 1), 2 => random.Next(), _ => message.Length };
            body.WriteByte(compressed);
            body.Write([(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length]);
            body.Write(message);
        }

        if (random.Next(12) == 0)
        {
            body.Write(new byte[random.Next(1, 4)]); // a frame cut inside its prefix
        }

        return (body.ToArray(), badFlag);
    }

    /// <summary>Protobuf-shaped bytes: fields 1–3 and others with every wire type, varints too long, lengths that lie.</summary>
    static byte[] ProtobufLike(Random random)
    {
        var message = new MemoryStream();
        for (var fields = random.Next(0, 5); fields > 0; fields--)
        {
            var number = random.Next(5) == 0 ? random.Next(1, 1 << 20) : random.Next(1, 4);
            var wireType = random.Next(8);
            WriteVarint(message, (ulong)number << 3 | (uint)wireType);
            switch (wireType)
            {
                case 0:
                    WriteVarint(message, random.Next(4) == 0 ? ulong.MaxValue : (ulong)random.Next(1000));
                    break;
                case 1:
                    message.Write(new byte[8]);
                    break;
                case 2:
                    var payload = new byte[random.Next(0, 40)];
                    random.NextBytes(payload);
                    WriteVarint(message, (ulong)(random.Next(6) == 0 ? payload.Length + random.Next(1, 1000) : payload.Length));
                    message.Write(payload);
                    break;
                case 5:
                    message.Write(new byte[4]);
                    break;
                default:
                    message.Write(new byte[random.Next(0, 3)]);
                    break;
            }
        }

        if (random.Next(10) == 0)
        {
            message.Write([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]); // an 11-byte varint
        }

        return message.ToArray();
    }

    static void WriteVarint(Stream stream, ulong value)
    {
        for (; value >= 0x80; value >>= 7)
        {
            stream.WriteByte((byte)(value | 0x80));
        }

        stream.WriteByte((byte)value);
    }

    static string Escape(string request) =>
        request.Length > 400 ? Escape(request[..200]) + $"…({request.Length} chars)…" + Escape(request[^100..])
        : request.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\u0001", "\\u0001");
}
