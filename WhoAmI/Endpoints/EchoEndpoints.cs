using System.Net.WebSockets;

namespace WhoAmI.Endpoints;

/// <summary>A WebSocket echo, to see whether upgrades pass a proxy.</summary>
internal static class EchoEndpoints
{
    public static IEndpointRouteBuilder MapEcho(this IEndpointRouteBuilder app)
    {
        app.MapGet("/echo", Echo);
        return app;
    }

    /// <summary>Sends back every text and binary frame as it comes, then completes the close handshake.</summary>
    static async Task Echo(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await PlainText.BadRequestAsync(context, "echo: this endpoint speaks WebSocket only");
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var frame = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(frame.CloseStatus ?? WebSocketCloseStatus.NormalClosure, frame.CloseStatusDescription, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, frame.Count), frame.MessageType, frame.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away without a close handshake: nothing to answer.
        }
    }
}
