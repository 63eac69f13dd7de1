using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using WhoAmI.Settings;
using WhoAmI.Tls;

namespace WhoAmI.Lifecycle;

/// <summary>
/// <c>WhoAmI --probe</c>: asks the local <c>/health</c> and exits 0 on a 2xx, 1 otherwise. A chiseled image has
/// no shell and no curl, so a Docker HEALTHCHECK runs the service's own binary. A raw socket (in TLS when the
/// server speaks HTTPS) keeps HttpClient out of the native binary.
/// </summary>
/// <remarks>Stands in for HttpClient (with <see cref="HttpStatusLine"/>). Delete both for HttpClient once the binary
/// carries HttpClient anyway; HealthProbeTests run the probe against the real server, over TLS too.</remarks>
internal static class HealthProbe
{
    /// <summary>Whether the arguments ask for the probe; then Program parses them after <see cref="ServerArguments"/>.</summary>
    public static bool IsRequested(IReadOnlyList<string> args) =>
        args.Any(a => a == "--probe" || a.StartsWith("--probe=", StringComparison.Ordinal));

    public static async Task<int> RunAsync(WhoAmISettings settings)
    {
        var (https, endPoint) = settings.Listen.Local;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, timeout.Token);
            await using var stream = https
                ? await TlsAsync(new NetworkStream(socket), TlsCertificates.Load(settings, _ => { }), timeout.Token)
                : new NetworkStream(socket);
            var request = Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: localhost:{endPoint.Port}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(request, timeout.Token);
            var (code, firstLine) = await HttpStatusLine.ReadAsync(stream, timeout.Token);
            var healthy = code is >= 200 and <= 299;
            Console.Out.WriteLine(healthy ? "healthy" : $"unhealthy: {firstLine}");
            return healthy ? 0 : 1;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            Console.Out.WriteLine($"unhealthy: {endPoint}: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// TLS to the server on this machine. Its certificate is not checked: the probe asks whether this server is
    /// healthy, not who it is. Under mutual TLS the probe presents the server's own certificate, which the server
    /// accepts from whoever holds its key (<see cref="TlsCertificates.IsAcceptedClient"/>).
    /// </summary>
    static async Task<Stream> TlsAsync(Stream stream, TlsCertificates? tls, CancellationToken cancel)
    {
        var ssl = new SslStream(stream);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
            ClientCertificates = tls?.ClientAuthorities is null ? null : [tls.Server],
        }, cancel);
        return ssl;
    }

    /// <summary>
    /// The server's own flags when it is PID 1 (in a container), read back from <c>/proc/1/cmdline</c>: a
    /// HEALTHCHECK starts the probe with none of them, and shares only the environment. The probe's own flags
    /// come after these, so they win.
    /// </summary>
    public static string[] ServerArguments()
    {
        try
        {
            var command = File.ReadAllText("/proc/1/cmdline").TrimEnd('\0').Split('\0');
            var isThisProgram = Environment.ProcessId != 1
                && string.Equals(Path.GetFileName(command[0]), Path.GetFileName(Environment.ProcessPath), StringComparison.Ordinal);
            return isThisProgram ? command[1..] : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
