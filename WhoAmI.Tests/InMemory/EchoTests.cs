using System.Net.WebSockets;
using System.Text;

namespace WhoAmI.Tests.InMemory;

public sealed class EchoTests
{

    [Fact]
    public async Task Echo_sends_back_text_and_binary_messages_and_closes_cleanly()
    {
        await using var app = new WhoAmIFactory();
        var socket = await app.Server.CreateWebSocketClient().ConnectAsync(new Uri(app.Server.BaseAddress, "/echo"), Cancel);
        var buffer = new byte[1024];

        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, Cancel);
        var text = await socket.ReceiveAsync(buffer, Cancel);
        Assert.Equal((WebSocketMessageType.Text, "hello"), (text.MessageType, Encoding.UTF8.GetString(buffer, 0, text.Count)));

        await socket.SendAsync(new byte[] { 0, 1, 2, 255 }, WebSocketMessageType.Binary, true, Cancel);
        var binary = await socket.ReceiveAsync(buffer, Cancel);
        Assert.Equal(WebSocketMessageType.Binary, binary.MessageType);
        Assert.Equal([0, 1, 2, 255], buffer[..binary.Count]);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Cancel);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task Echo_without_an_upgrade_gets_400()
    {
        await using var app = new WhoAmIFactory();

        var response = await app.CreateClient().GetAsync("/echo", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
