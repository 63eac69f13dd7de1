using System.Net;
using System.Net.NetworkInformation;

namespace WhoAmI;

/// <summary>The addresses of every network interface, loopback included, IPv4 and IPv6, without zone ids.</summary>
internal static class NetworkAddresses
{
    public static List<string> All()
    {
        var addresses = new List<string>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                addresses.Add(new IPAddress(unicast.Address.GetAddressBytes()).ToString());
            }
        }

        return addresses;
    }

    /// <summary><c>ip:port</c>, IPv6 in brackets, an IPv4 client on a dual-stack socket as plain IPv4.</summary>
    public static string RemoteAddress(ConnectionInfo connection)
    {
        var ip = connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : connection.RemoteIpAddress;
        return ip is null ? "" : new IPEndPoint(ip, connection.RemotePort).ToString();
    }
}
