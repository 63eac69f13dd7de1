namespace WhoAmI.Tests.Support;

/// <summary>The machine's host name as the kernel holds it, read from /proc apart from WhoAmI's own KernelHostName,
/// for the published-binary tests to compare its answers with.</summary>
public static class ProcHostName
{
    public static string Read() => File.ReadAllText("/proc/sys/kernel/hostname").TrimEnd('\n');
}
