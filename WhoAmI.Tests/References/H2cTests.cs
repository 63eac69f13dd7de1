using System.Net.Sockets;
using System.Text;
using WhoAmI.Tests.Published;

namespace WhoAmI.Tests.References;

/// <summary>
/// WhoAmI's h2c, <c>Upgrade: h2c</c> (WhoAmI/Server/H2cUpgrade.cs) and prior knowledge, against the real things: a Go
/// server wrapped in x/net's <c>h2c.NewHandler</c> (traefik/whoami's) answering the same requests, and three real clients,
/// <c>curl --http2</c>, <c>nghttp -u</c> and x/net/http2's client. Each case gets the reference's answer, or one of the
/// differences named below, each with the rule WhoAmI follows instead.
/// </summary>
[Collection(PublishedCollection.Name)]
public sealed class H2cTests(PublishedWhoAmI published, GoH2cReference go) : IClassFixture<GoH2cReference>
{
    const string Upgrade = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n";
    static readonly string Big20K = new('a', 20_000), Big40K = new('a', 40_000);

    enum After { Preface, PrefaceAndSecondRequest, Garbage }

    /// <summary>A raw request; where WhoAmI answers otherwise than Go's h2c handler, both answers and why.</summary>
    sealed record RawCase(string Head, After After = After.Preface, string? WhoAmI = null, string? Go = null, string? Why = null);

    static readonly Dictionary<string, RawCase> RawCases = new()
    {
        ["GET"] = new($"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}\r\n"),
        ["HEAD"] = new($"HEAD /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}\r\n"),
        ["a query string"] = new($"GET /whoami?a=b&c=%20d HTTP/1.1\r\nHost: localhost\r\n{Upgrade}\r\n"),
        ["the tokens in other cases"] = new("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: upgrade, http2-settings\r\nUpgrade: H2C\r\nHTTP2-Settings: AAMAAABk\r\n\r\n"),
        ["a head over 16 KiB (CONTINUATION on the HTTP/2 side)"] = new($"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}X-Big: {Big20K}\r\n\r\n"),
        ["a second request on the upgraded connection"] = new($"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}\r\n", After.PrefaceAndSecondRequest),
        ["Connection without HTTP2-Settings"] = new("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n"),
        ["Upgrade: websocket, not h2c"] = new("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: websocket\r\nHTTP2-Settings: AAMAAABk\r\n\r\n"),
        ["a head over the servers' limit (a 40,000-byte header)"] = new($"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}X-Big: {Big40K}\r\n\r\n"),
        ["a header name with a space"] = new($"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}X Bad: 1\r\n\r\n"),
        ["garbage instead of the preface"] = new($"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}\r\n", After.Garbage,
            WhoAmI: "101; GOAWAY PROTOCOL_ERROR", Go: "101; closed",
            Why: "both end the connection unanswered; Kestrel says why in a GOAWAY first (RFC 9113 §3.4: a bad preface is a PROTOCOL_ERROR, which MAY be sent)"),
        ["no HTTP2-Settings"] = new("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n",
            WhoAmI: "HTTP/1 200", Go: "HTTP/1 500",
            Why: "RFC 9113 §3.2 (7540 §3.2.1): a server MUST NOT upgrade without exactly one HTTP2-Settings; the Upgrade is then ignored, not an error"),
        ["two HTTP2-Settings"] = new("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\nHTTP2-Settings: AAMAAABk\r\n\r\n",
            WhoAmI: "HTTP/1 200", Go: "HTTP/1 500", Why: "the same rule"),
        ["HTTP2-Settings not base64url"] = new("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: !!!\r\n\r\n",
            WhoAmI: "HTTP/1 200", Go: "HTTP/1 500", Why: "the same rule: the header is not a SETTINGS payload"),
        ["HTTP/1.0"] = new($"GET /whoami HTTP/1.0\r\nHost: localhost\r\n{Upgrade}\r\n",
            WhoAmI: "HTTP/1 200", Go: "101; stream 1: 200, {host} bytes",
            Why: "RFC 9110 §7.8: a server MUST ignore an Upgrade received in an HTTP/1.0 request"),
        ["a body"] = new($"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}Content-Length: 5\r\n\r\nhello",
            WhoAmI: "HTTP/1 200", Go: "101; stream 1: 200, {host} bytes",
            Why: "RFC 9110 §7.8 lets a server ignore an Upgrade; Go reads the body whole into memory first, WhoAmI serves it as HTTP/1.1"),
        ["200 headers (over Kestrel's count)"] = new($"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{Upgrade}{string.Concat(Enumerable.Range(0, 200).Select(i => $"X-H{i}: {i}\r\n"))}\r\n",
            WhoAmI: "HTTP/1 431", Go: "101; stream 1: 200, {host} bytes", Why: "each server's own limits: Go has no limit on the count of header fields"),
        ["a 100 KB request line"] = new($"GET /whoami?{new string('q', 100_000)} HTTP/1.1\r\nHost: localhost\r\n{Upgrade}\r\n",
            WhoAmI: "HTTP/1 414", Go: "HTTP/1 431", Why: "each refuses it before any 101 with its own code: Go counts the request line in its one head limit"),
    };

    public static TheoryData<string> RawCaseNames => [.. RawCases.Keys];

    [Theory]
    [MemberData(nameof(RawCaseNames))]
    public async Task An_upgrade_request_gets_the_answer_gos_h2c_handler_gives_or_a_named_difference(string name)
    {
        go.SkipUnlessAvailable();
        await using var app = await published.StartAsync();
        var test = RawCases[name];

        var whoAmI = await UpgradeOutcomeAsync(app.BaseAddress.Port, test);
        var reference = await UpgradeOutcomeAsync(go.ServerPort, test);

        Measurements.Record($"h2c: {name}", whoAmI == reference ? $"both: {whoAmI}" : $"WhoAmI: {whoAmI}; Go: {reference}");
        if (test.Why is null)
        {
            Assert.Equal(reference, whoAmI);
        }
        else
        {
            var host = ProcHostName.Read().Length.ToString();
            Assert.True((test.WhoAmI, test.Go!.Replace("{host}", host)) == (whoAmI, reference),
                $"{name}: WhoAmI {whoAmI}, Go {reference}; expected WhoAmI {test.WhoAmI}, Go {test.Go} ({test.Why})");
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    /// <summary>
    /// Real clients, each run against both servers. The one difference: curl sends a request with a body with Upgrade
    /// too, which Go upgrades after reading the body and WhoAmI serves as HTTP/1.1 (the "a body" case above).
    /// </summary>
    public static TheoryData<string, string[]> ClientCases => new()
    {
        { "curl", ["--http2", "{url}/whoami"] },
        { "curl", ["--http2", "-I", "{url}/whoami"] },
        { "curl", ["--http2", "{url}/whoami?a=b&c=%20d"] },
        { "curl", ["--http2", "-H", "X-Big: {20K}", "{url}/whoami"] },
        { "curl", ["--http2", "-H", "X-Big: {40K}", "{url}/whoami"] },
        { "curl", ["--http2", "{url}/whoami", "{url}/whoami", "{url}/nothing-here"] },
        { "curl", ["--http2", "-X", "GET", "-d", "hello", "{url}/whoami"] },
        { "nghttp", ["-u", "{url}/whoami"] },
        { "nghttp", ["-u", "-H", ":method: HEAD", "{url}/whoami"] },
        { "nghttp", ["-u", "{url}/whoami?a=b"] },
        { "nghttp", ["-u", "-H", "x-big: {20K}", "{url}/whoami"] },
        { "nghttp", ["-u", "-d", "{body}", "{url}/whoami"] },
        { "nghttp", ["-u", "{url}/whoami", "{url}/nothing-here"] },
        { "go", ["{url}/whoami"] },
        { "go", ["-X", "HEAD", "{url}/whoami"] },
        { "go", ["-X", "GET", "-d", "hello", "{url}/whoami"] },
        { "go", ["-H", "X-Big: {20K}", "{url}/whoami?q=1"] },
        { "go", ["{url}/whoami", "300"] },
        { "go", ["{url}/nothing-here"] },
    };

    [Theory]
    [MemberData(nameof(ClientCases))]
    public async Task A_real_client_gets_from_whoami_what_it_gets_from_gos_h2c_server(string client, string[] args)
    {
        go.SkipUnlessAvailable();
        await using var app = await published.StartAsync();
        var body = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "h2c-body.txt");
        await File.WriteAllTextAsync(body, "hello\n", Cancel);

        var whoAmI = await RunClientAsync(client, args, app.BaseAddress.Port, body);
        var reference = await RunClientAsync(client, args, go.ServerPort, body);

        Measurements.Record($"h2c: {client} {string.Join(' ', args)}", whoAmI == reference ? $"both: {whoAmI}" : $"WhoAmI: {whoAmI}; Go: {reference}");
        if (client == "curl" && args.Contains("-d"))
        {
            Assert.Equal(("1.1 200", "2 200"), (whoAmI, reference)); // the "a body" difference
        }
        else
        {
            Assert.Equal(reference, whoAmI);
        }
    }

    /// <summary>
    /// Go's client meets each server's limit on a header list its own way: Kestrel answers 431 on the stream, Go's
    /// server ends the connection. Both refuse; WhoAmI still answers the next request.
    /// </summary>
    [Fact]
    public async Task A_header_list_over_the_limit_from_gos_client_is_refused_by_both_servers()
    {
        go.SkipUnlessAvailable();
        await using var app = await published.StartAsync();
        string[] args = ["-H", "X-Big: " + Big40K]; // over both servers' 32 KiB

        var whoAmI = await go.GetAsync([.. args, $"{app.BaseAddress}whoami"]);
        var reference = await go.GetAsync([.. args, $"http://127.0.0.1:{go.ServerPort}/whoami"]);

        Assert.Equal("431 HTTP/2.0 0", whoAmI);
        Assert.StartsWith("error ", reference);
        Assert.Equal($"200 HTTP/2.0 {ProcHostName.Read().Length}", await go.GetAsync($"{app.BaseAddress}whoami"));
    }

    async Task<string> RunClientAsync(string client, string[] args, int port, string body)
    {
        var url = $"http://127.0.0.1:{port}";
        var concrete = args.Select(a => a.Replace("{url}", url).Replace("{body}", body).Replace("{20K}", Big20K).Replace("{40K}", Big40K)).ToArray();
        var (file, full) = client switch
        {
            "curl" => ("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_version} %{http_code}\\n", .. concrete]),
            "nghttp" => ("nghttp", ["-v", .. concrete]),
            _ => (go.Binary, (string[])["get", .. concrete]),
        };

        var (exitCode, output) = await Run.ProcessAsync(file, full, TimeSpan.FromSeconds(60));
        Assert.SkipWhen(exitCode == 127, $"no {file} here: install curl and nghttp2-client (.ci/run does)");
        return client switch
        {
            // The upgrade's fate and every stream's status, sorted (streams answer in any order); not timings or frames.
            "nghttp" => string.Join("; ", output.Split('\n')
                .Select(l => (l.Contains("] ") ? l[(l.IndexOf("] ", StringComparison.Ordinal) + 2)..] : l).Trim())
                .Where(l => l.StartsWith("HTTP Upgrade ", StringComparison.Ordinal) || l.StartsWith("recv (stream_id=", StringComparison.Ordinal) && l.Contains(":status")
                    || l.StartsWith("[ERROR]", StringComparison.Ordinal) || l.StartsWith("Some requests", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)),
            // The 300 requests' answers counted.
            "go" => string.Join("; ", output.Trim().Split('\n').GroupBy(l => l).Select(g => $"{g.Count()} × {g.Key}")),
            _ => $"{output.Trim()}{(exitCode == 0 ? "" : $" (exit {exitCode})")}",
        };
    }

    /// <summary>
    /// What became of a raw request: "HTTP/1 STATUS" when it was not upgraded; after a 101, each stream's status and the
    /// bytes of its answer, or how the connection ended (GOAWAY and its code, or closed).
    /// </summary>
    static async Task<string> UpgradeOutcomeAsync(int port, RawCase test)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, Cancel);
        await using var connection = new NetworkStream(socket, ownsSocket: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await connection.WriteAsync(Encoding.Latin1.GetBytes(test.Head), timeout.Token);
        }
        catch (IOException)
        {
            // refused before the whole head was sent: its answer is still there to read
        }

        var head = await RawHttp.ReadHeadAsync(connection, TimeSpan.FromSeconds(5));
        if (head.Length < 12)
        {
            return "closed without an answer";
        }

        var status = int.Parse(head.AsSpan(9, 3));
        if (status != 101)
        {
            return $"HTTP/1 {status}";
        }

        byte[] after = test.After switch
        {
            After.Garbage => "this is not the HTTP/2 connection preface, nor close\r\n\r\n"u8.ToArray(),
            After.PrefaceAndSecondRequest => [.. Http2Wire.ClientPreface, .. Http2Wire.Request(3)],
            _ => Http2Wire.ClientPreface,
        };
        await connection.WriteAsync(after, timeout.Token);

        var streams = new SortedDictionary<int, (int Status, int Bytes, bool Ended)>();
        var expected = test.After == After.PrefaceAndSecondRequest ? 2 : 1;
        try
        {
            while (await Http2Wire.ReadFrameAsync(connection, timeout.Token) is { } frame)
            {
                if (frame.Type == Http2Wire.GoAway && streams.Count(s => s.Value.Ended) < expected)
                {
                    return $"101; GOAWAY {frame.ErrorCode}";
                }

                if (frame.Type is Http2Wire.Headers or Http2Wire.Data && frame.Stream > 0)
                {
                    var (known, bytes, _) = streams.GetValueOrDefault(frame.Stream);
                    var ended = (frame.Flags & Http2Wire.EndStream) != 0;
                    streams[frame.Stream] = frame.Type == Http2Wire.Headers && known == 0 ? (frame.Status, bytes, ended)
                        : (known, bytes + (frame.Type == Http2Wire.Data ? frame.Payload.Length : 0), ended);
                }

                if (frame.Type == Http2Wire.RstStream)
                {
                    return $"101; stream {frame.Stream} reset {frame.ErrorCode}";
                }

                if (streams.Count(s => s.Value.Ended) == expected)
                {
                    return "101; " + string.Join("; ", streams.Select(s => $"stream {s.Key}: {s.Value.Status}, {s.Value.Bytes} bytes"));
                }
            }

            return "101; closed";
        }
        catch (OperationCanceledException) when (!Cancel.IsCancellationRequested)
        {
            return "101; no answer within 5 s";
        }
    }
}
