using System.Net.Sockets;
using System.Text;

namespace WhoAmI.Tests.Support;

/// <summary>Bytes straight onto a TCP socket: for requests no HTTP client would send.</summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> and reads until the server closes or <paramref name="timeout"/> passes.
    /// Returns what came back (possibly nothing) and whether the server closed the connection.</summary>
    public static async Task<(string Response, bool Closed)> SendAsync(int port, byte[] request, TimeSpan? timeout = null)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        try
        {
            await socket.SendAsync(request, SocketFlags.None);
        }
        catch (SocketException)
        {
            // The server may close before it has read everything we send: what it answered is still there to read.
        }

        return await ReadAsync(socket, timeout ?? TimeSpan.FromSeconds(5));
    }

    public static Task<(string Response, bool Closed)> SendAsync(int port, string request, TimeSpan? timeout = null) =>
        SendAsync(port, Encoding.Latin1.GetBytes(request), timeout);

    public static async Task<(string Response, bool Closed)> ReadAsync(Socket socket, TimeSpan timeout)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            return (Encoding.Latin1.GetString(received.ToArray()), true);
        }
        catch (OperationCanceledException)
        {
            return (Encoding.Latin1.GetString(received.ToArray()), false);
        }
        catch (SocketException)
        {
            return (Encoding.Latin1.GetString(received.ToArray()), true);
        }
    }

    /// <summary>A response head read byte by byte, so that nothing after it is taken from the connection (after a 101,
    /// HTTP/2 follows): up to its blank line, or what came before the connection ended or <paramref name="timeout"/> passed.</summary>
    public static async Task<string> ReadHeadAsync(Stream connection, TimeSpan timeout)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout);
        var head = new List<byte>();
        var one = new byte[1];
        try
        {
            while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
                && await connection.ReadAsync(one, cancel.Token) == 1)
            {
                head.Add(one[0]);
            }
        }
        catch (IOException)
        {
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        return Encoding.Latin1.GetString([.. head]);
    }

    /// <summary>The status code of the first response line, or 0 when there is none.</summary>
    public static int StatusOf(string response) =>
        response.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && response.Length >= 12 && int.TryParse(response.AsSpan(9, 3), out var code) ? code : 0;
}
