using System.Net;
using System.Net.Sockets;
using System.Text;

namespace WhoAmI;

/// <summary>
/// <c>WhoAmI --probe</c>: asks the local <c>/health</c> and exits 0 on a 2xx, 1 otherwise. A chiseled image has
/// no shell and no curl, so a Docker HEALTHCHECK runs the service's own binary. A raw socket keeps HttpClient
/// out of the native binary.
/// </summary>
static class HealthProbe
{
    public static async Task<int> RunAsync(WhoAmISettings settings)
    {
        var port = settings.Port
            ?? (int.TryParse(Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")?.Split(',', ';')[0], out var p) ? p : WhoAmISettings.DefaultPort);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            var request = Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
            await socket.SendAsync(request, SocketFlags.None, timeout.Token);
            var buffer = new byte[64];
            var length = 0;
            int read;
            while (length < 12 && (read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, timeout.Token)) > 0)
            {
                length += read;
            }

            // "HTTP/1.1 200" — the status code's first digit is the 10th byte.
            var healthy = length >= 12 && buffer.AsSpan(0, 5).SequenceEqual("HTTP/"u8) && buffer[9] == (byte)'2';
            Console.Out.WriteLine(healthy ? "healthy" : $"unhealthy: {Encoding.ASCII.GetString(buffer, 0, length).Split('\r')[0]}");
            return healthy ? 0 : 1;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            Console.Out.WriteLine($"unhealthy: {e.Message}");
            return 1;
        }
    }
}
