using System.Net;
using System.Net.NetworkInformation;

namespace WhoAmI.Network;

/// <summary>The addresses of every network interface, loopback included, IPv4 and IPv6, without zone ids.</summary>
internal static class NetworkAddresses
{
    // Listing the interfaces costs about 0.5 ms, most of what / and /api cost (docs/tuning.md), so the list is kept
    // until the kernel says an address or a link changed. Opened before the first listing, so that no change can
    // fall between the two. Null where there is no netlink (not Linux): then every request lists anew.
    static readonly AddressChanges? Changes = AddressChanges.Open();
    static readonly Lock Gate = new();
    static string[]? _current;

    /// <summary>What an answer shows: <see cref="All"/>, or none with <c>--mask-ips</c> (traefik/whoami#149: behind a
    /// CDN they would show the origin). Every answer that lists this server's addresses asks here.</summary>
    public static IReadOnlyList<string> Shown(bool maskIps) => maskIps ? [] : All();

    public static IReadOnlyList<string> All()
    {
        if (Changes is null)
        {
            return List();
        }

        // One lock for the check and the listing: a request that starts after a change always sees it, even while
        // another request is still listing.
        lock (Gate)
        {
            if (Changes.Happened() || _current is null)
            {
                _current = List();
            }

            return _current;
        }
    }

    static string[] List()
    {
        var addresses = new List<string>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                addresses.Add(new IPAddress(unicast.Address.GetAddressBytes()).ToString());
            }
        }

        return [.. addresses];
    }

    /// <summary><c>ip:port</c>, IPv6 in brackets, an IPv4 client on a dual-stack socket as plain IPv4.</summary>
    public static string RemoteAddress(ConnectionInfo connection)
    {
        var ip = connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : connection.RemoteIpAddress;
        return ip is null ? "" : new IPEndPoint(ip, connection.RemotePort).ToString();
    }
}
