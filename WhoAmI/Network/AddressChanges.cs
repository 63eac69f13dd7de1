using System.Runtime.InteropServices;

namespace WhoAmI.Network;

/// <summary>
/// The kernel's notices of address and link changes (rtnetlink, netlink(7)), read without waiting. The kernel
/// queues a notice before `ip addr add` returns, so a check made after a change always finds it: no thread, no
/// timer, one non-blocking recv(2) per check. (.NET's NetworkChange delivers the same notices on a thread of its
/// own, later: a request right after the change could still see the old list.)
/// </summary>
internal sealed partial class AddressChanges
{
    const int AfNetlink = 16, SockRaw = 3, SockNonBlock = 0x800, SockCloexec = 0x80000, NetlinkRoute = 0;
    const uint RtmgrpLink = 0x1, RtmgrpIpv4Ifaddr = 0x10, RtmgrpIpv6Ifaddr = 0x100;
    const int Eagain = 11, Eintr = 4;

    readonly int _socket;
    readonly byte[] _buffer = new byte[8192];

    AddressChanges(int socket) => _socket = socket;

    /// <summary>A subscription to address and link changes, or null where netlink cannot be had (not Linux).</summary>
    public static unsafe AddressChanges? Open()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var socket = Socket(AfNetlink, SockRaw | SockNonBlock | SockCloexec, NetlinkRoute);
        if (socket < 0)
        {
            return null;
        }

        var address = new SockaddrNl { Family = AfNetlink, Groups = RtmgrpLink | RtmgrpIpv4Ifaddr | RtmgrpIpv6Ifaddr };
        if (Bind(socket, &address, sizeof(SockaddrNl)) != 0)
        {
            Close(socket);
            return null;
        }

        // Lives as long as the process: the one subscription of NetworkAddresses.
        return new AddressChanges(socket);
    }

    /// <summary>Whether anything changed since the last call; reads every queued notice. Not thread-safe: the
    /// caller holds a lock. A lost notice (the queue overflowed) counts as a change.</summary>
    public unsafe bool Happened()
    {
        var changed = false;
        fixed (byte* buffer = _buffer)
        {
            while (true)
            {
                var read = Recv(_socket, buffer, _buffer.Length, 0);
                if (read > 0)
                {
                    changed = true;
                    continue;
                }

                var error = read < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (error == Eintr)
                {
                    continue;
                }

                return changed || (read < 0 && error != Eagain);
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    private static unsafe partial int Bind(int socket, SockaddrNl* address, int length);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint Recv(int socket, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int socket);
}
