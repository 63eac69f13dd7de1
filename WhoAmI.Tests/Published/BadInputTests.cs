using System.Net.Sockets;

namespace WhoAmI.Tests.Published;

/// <summary>Malformed and oversized traffic, sent over raw TCP to the AOT binary: each gets its status, and the
/// server keeps serving.</summary>
[Collection(PublishedCollection.Name)]
public sealed class BadInputTests(PublishedWhoAmI published)
{

    public static TheoryData<string, string, int> BadRequests => new()
    {
        { "request line too long", $"GET /whoami?{new string('a', 9000)} HTTP/1.1\r\nHost: x\r\n\r\n", 414 },
        { "headers too large", $"GET /whoami HTTP/1.1\r\nHost: x\r\nX-Big: {new string('b', 33 * 1024)}\r\n\r\n", 431 },
        { "too many headers", "GET /whoami HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, 70).Select(i => $"X-H{i}: v\r\n")) + "\r\n", 431 },
        { "malformed request line", "GET/whoami HTTP/1.1\r\nHost: x\r\n\r\n", 400 },
        { "malformed header", "GET /whoami HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400 },
        { "NUL in a header value", "GET /whoami HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400 },
        { "space before a header colon", "GET /whoami HTTP/1.1\r\nHost : x\r\n\r\n", 400 },
        { "missing host", "GET /whoami HTTP/1.1\r\n\r\n", 400 },
        { "unsupported HTTP version", "GET /whoami HTTP/2.0\r\nHost: x\r\n\r\n", 505 },
        { "unknown HTTP version", "GET /whoami HTTP/9.9\r\nHost: x\r\n\r\n", 505 },
        { "body over the limit on /whoami", $"GET /whoami HTTP/1.1\r\nHost: x\r\nContent-Length: {65 * 1024}\r\n\r\n{new string('c', 65 * 1024)}", 413 },
        { "chunked body over the limit on /", $"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{70 * 1024:x}\r\n{new string('d', 70 * 1024)}\r\n0\r\n\r\n", 413 },
        { "bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_gets_its_status_and_the_server_keeps_serving(string what, string request, int status)
    {
        await using var app = await published.StartAsync();

        var (response, _) = await RawHttp.SendAsync(app.BaseAddress.Port, request);

        Assert.True(RawHttp.StatusOf(response) == status, $"{what}: expected {status}, got: {response.Split('\r')[0]}");
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Headers_trickled_slower_than_the_timeout_get_the_connection_closed()
    {
        await using var app = await published.StartAsync();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, app.BaseAddress.Port, Cancel);
        await socket.SendAsync("GET /whoami HTTP/1.1\r\nHost: x\r\n"u8.ToArray(), SocketFlags.None, Cancel);

        var closedAfter = System.Diagnostics.Stopwatch.StartNew();
        var closed = false;
        for (var i = 0; i < 20 && !closed; i++)
        {
            await Task.Delay(1000, Cancel);
            try
            {
                await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"X-Slow-{i}: x\r\n"), SocketFlags.None, Cancel);
                closed = socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
                if (socket.Available > 0)
                {
                    var (rest, _) = await RawHttp.ReadAsync(socket, TimeSpan.FromSeconds(2));
                    closed = true;
                    Assert.True(RawHttp.StatusOf(rest) is 0 or 408, rest);
                }
            }
            catch (SocketException)
            {
                closed = true;
            }
        }

        Assert.True(closed, "the connection was still open after 20 s of trickled headers");
        Assert.InRange(closedAfter.Elapsed, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }
}
