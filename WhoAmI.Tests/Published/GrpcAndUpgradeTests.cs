using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Whoami;

namespace WhoAmI.Tests.Published;

/// <summary>gRPC and <c>Upgrade: h2c</c> on the published binary, on the same port as every HTTP endpoint.</summary>
[Collection(PublishedCollection.Name)]
public sealed class GrpcAndUpgradeTests(PublishedWhoAmI published) : IDisposable
{
    readonly TestCertificates _certificates = new();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task Grpc_over_h2c_answers_whoami_bench_and_health_beside_http()
    {
        await using var app = await published.StartAsync();
        using var channel = GrpcChannel.ForAddress(app.BaseAddress);
        var client = new Whoami.Whoami.WhoamiClient(channel);

        var reply = await client.WhoamiAsync(new WhoamiRequest(), cancellationToken: Cancel);
        var bench = await client.BenchAsync(new BenchRequest(), cancellationToken: Cancel);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), cancellationToken: Cancel);

        Assert.Equal(ProcHostName.Read(), reply.Hostname);
        Assert.Contains("127.0.0.1", reply.Iface);
        Assert.Equal(1, bench.Data);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(ProcHostName.Read(), await app.Client.GetStringAsync("/whoami", Cancel));
    }

    [Fact]
    public async Task Grpc_over_tls_is_chosen_by_alpn_on_the_https_port()
    {
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(), tlsHandler: _certificates.Handler());
        using var channel = GrpcChannel.ForAddress(app.BaseAddress, new GrpcChannelOptions { HttpHandler = _certificates.Handler() });

        var reply = await new Whoami.Whoami.WhoamiClient(channel).WhoamiAsync(new WhoamiRequest(), cancellationToken: Cancel);

        Assert.Equal("https", app.BaseAddress.Scheme);
        Assert.Equal(ProcHostName.Read(), reply.Hostname);
    }

    [Fact]
    public async Task Health_watch_says_not_serving_when_shutdown_begins()
    {
        await using var app = await published.StartAsync();
        using var channel = GrpcChannel.ForAddress(app.BaseAddress);
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest(), cancellationToken: Cancel);
        Assert.True(await watch.ResponseStream.MoveNext(Cancel));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);

        var stopped = app.SignalAndWaitAsync();

        Assert.True(await watch.ResponseStream.MoveNext(Cancel));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, watch.ResponseStream.Current.Status);
        Assert.Equal(0, await stopped);
    }

    /// <summary>As <c>curl --http2 http://…</c> asks (RFC 7540 §3.2): 101, then the answer to the same request as
    /// HTTP/2 stream 1. The client side is written out here: no .NET client speaks the upgrade.</summary>
    [Fact]
    public async Task Upgrade_h2c_switches_and_answers_the_request_on_stream_1()
    {
        await using var app = await published.StartAsync();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, app.BaseAddress.Port, Cancel);
        await using var connection = new NetworkStream(socket, ownsSocket: false);
        await connection.WriteAsync(Encoding.ASCII.GetBytes(
            "GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n" +
            "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nUser-Agent: raw\r\n\r\n"), Cancel);

        var head = await RawHttp.ReadHeadAsync(connection, TimeSpan.FromSeconds(10));
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", head);
        Assert.Contains("\r\nUpgrade: h2c\r\n", head);

        await connection.WriteAsync(Http2Wire.ClientPreface, Cancel);
        var (frames, body) = await ReadStreamOneAsync(connection);

        Assert.Equal(0x4, frames[0].Type); // the server's SETTINGS comes first
        Assert.Contains(frames, f => f is { Type: 0x1, Stream: 1 }); // HEADERS of the answer
        Assert.Equal(ProcHostName.Read(), body);
    }

    [Theory]
    [InlineData("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n")] // no HTTP2-Settings
    [InlineData("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: !!!\r\n")] // not base64url
    [InlineData("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\nHTTP2-Settings: AAMAAABk\r\n")]
    [InlineData("Connection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n")] // Connection lacks HTTP2-Settings
    [InlineData("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Length: 2\r\n")] // a body
    public async Task An_upgrade_request_that_does_not_qualify_is_served_as_http11(string headers)
    {
        await using var app = await published.StartAsync();
        var body = headers.Contains("Content-Length: 2") ? "hi" : "";

        var (response, _) = await RawHttp.SendAsync(app.BaseAddress.Port,
            $"GET /whoami HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n{body}", TimeSpan.FromSeconds(2));

        Assert.Equal(200, RawHttp.StatusOf(response));
        Assert.EndsWith(ProcHostName.Read(), response);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    public static TheoryData<string, string, int> HeadsOverALimit => new()
    {
        { "a 40,000-byte header", $"X-Big: {new string('a', 40_000)}\r\n", 431 },
        { "200 headers", string.Concat(Enumerable.Range(0, 200).Select(i => $"X-H{i}: {i}\r\n")), 431 },
        { "a 100 KB request line", "", 414 },
        { "a header name with a space", "X Bad: 1\r\n", 400 },
        { "a control character in a value (Kestrel serves it)", "X-Bad: a\u0001b\r\n", 200 },
    };

    /// <summary>An <c>Upgrade: h2c</c> request that breaks an HTTP/1.1 limit gets, as HTTP/1.1 and with no 101 first,
    /// the answer the same request gets without Upgrade (it used to be upgraded, and the limit skipped). A value with a
    /// control character, which Kestrel's HTTP/1.1 serves, is served as HTTP/1.1, not upgraded.</summary>
    [Theory]
    [MemberData(nameof(HeadsOverALimit))]
    public async Task An_upgrade_request_over_an_http11_limit_gets_kestrels_answer_before_any_101(string what, string extra, int status)
    {
        await using var app = await published.StartAsync();
        var target = status == 414 ? "/whoami?" + new string('q', 100_000) : "/whoami";
        string Request(string upgrade) => $"GET {target} HTTP/1.1\r\nHost: localhost\r\n{upgrade}{extra}\r\n";

        var (upgraded, _) = await RawHttp.SendAsync(app.BaseAddress.Port, Request(
            "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n"), TimeSpan.FromSeconds(3));
        var (plain, _) = await RawHttp.SendAsync(app.BaseAddress.Port, Request(""), TimeSpan.FromSeconds(3));

        Assert.Equal(status, RawHttp.StatusOf(plain));
        Assert.True(upgraded.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), $"{what}: {upgraded[..Math.Min(upgraded.Length, 200)]}");
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    /// <summary>Frames until stream 1 ends; the DATA of stream 1 as text.</summary>
    static async Task<(List<(int Type, int Stream)> Frames, string Body)> ReadStreamOneAsync(Stream connection)
    {
        var frames = new List<(int Type, int Stream)>();
        var body = new MemoryStream();
        while (true)
        {
            var frame = await Http2Wire.ReadFrameAsync(connection, Cancel) ?? throw new EndOfStreamException("the server closed before stream 1 ended");
            frames.Add((frame.Type, frame.Stream));
            if (frame is { Type: Http2Wire.Data, Stream: 1 })
            {
                body.Write(frame.Payload);
            }

            if (frame.Stream == 1 && (frame.Flags & Http2Wire.EndStream) != 0 && frame.Type is Http2Wire.Data or Http2Wire.Headers)
            {
                return (frames, Encoding.UTF8.GetString(body.ToArray()));
            }

            Assert.True(frame.Type != Http2Wire.GoAway, "the server sent GOAWAY");
            Assert.True(frame.Type != Http2Wire.RstStream || frame.Stream != 1, "the server reset stream 1");
        }
    }
}
