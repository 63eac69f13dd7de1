namespace WhoAmI.Tests.Support;

/// <summary>Whether this machine can link a Native AOT binary for Linux, and if not, what to install.</summary>
public static class NativeToolchain
{
    /// <summary>Null when a linker runs; otherwise the reason, naming what to install.</summary>
    public static string? MissingReason { get; } = Find();

    public static bool IsAvailable => MissingReason is null;

    /// <summary>Null when Native AOT can link every architecture of WhoAmI.csproj here (this machine's natively, the
    /// others cross); otherwise what to install.</summary>
    public static string? CrossMissingReason { get; } = MissingReason ?? FindCross();

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

    /// <summary>The architectures this machine does not run natively.</summary>
    public static IEnumerable<BuildFacts.Architecture> Foreign =>
        BuildFacts.Architectures.Where(a => a.RuntimeIdentifier != $"linux-{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}");

    // What build/NativeAot.targets' WhoAmICheckNativeToolchain checks before a cross-link.
    static string? FindCross()
    {
        var missing = Foreign.Where(a => Run.ProcessAsync($"{a.GnuTriplet}-objcopy", ["--version"], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().ExitCode != 0
            || !File.Exists($"/usr/{a.GnuTriplet}/lib/Scrt1.o")).ToList();
        return missing.Count == 0 ? null
            : $"cross-linking {string.Join(" and ", missing.Select(a => a.RuntimeIdentifier))} needs its toolchain: Debian/Ubuntu `sudo apt-get install clang lld "
                + string.Join(' ', missing.Select(a => $"gcc-{a.GnuTriplet} binutils-{a.GnuTriplet} libc6-dev-{a.DockerArchitecture}-cross")) + "`";
    }
}
