namespace WhoAmI.Tests.Support;

/// <summary>Whether this machine can link a Native AOT binary for Linux, and if not, what to install.</summary>
public static class NativeToolchain
{
    /// <summary>Null when a linker runs; otherwise the reason, naming what to install.</summary>
    public static string? MissingReason { get; } = Find();

    public static bool IsAvailable => MissingReason is null;

    static string? Find()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Native AOT cannot target Linux from macOS or Windows";
        }

        // The same linkers, in the same order, as the ILCompiler package tries; a linker must run, not just exist.
        foreach (var linker in new[] { "clang", "gcc" })
        {
            if (Run.ProcessAsync(linker, ["--version"], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().ExitCode == 0)
            {
                return null;
            }
        }

        return "Native AOT needs a C linker: Debian/Ubuntu `sudo apt-get install clang zlib1g-dev`, Fedora/RHEL `sudo dnf install clang zlib-devel`";
    }
}
