using System.Net;
using System.Net.Sockets;

namespace WhoAmI.Network;

/// <summary>Where the host name comes from; tests put a fixed name (or none) in its place.</summary>
internal interface IHostNameSource
{
    /// <summary>The host name, or null when it cannot be read.</summary>
    string? GetHostName();
}

/// <summary>
/// The kernel's host name, whole, as Go's os.Hostname() returns it. Dns.GetHostName() is gethostname(2);
/// Environment.MachineName would cut <c>web-1.example.internal</c> at its first dot.
/// </summary>
internal sealed class KernelHostName : IHostNameSource
{
    public string? GetHostName()
    {
        try
        {
            var name = Dns.GetHostName();
            return name.Length > 0 ? name : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
