namespace WhoAmI.Tests.Support;

/// <summary>Whether this machine can link a Native AOT binary for Linux, and if not, what to install.</summary>
public static class NativeToolchain
{
    /// <summary>Null when a linker runs; otherwise the reason, naming what to install.</summary>
    public static string? MissingReason { get; } = Find();

    public static bool IsAvailable => MissingReason is null;

    /// <summary>Null when Native AOT can also link linux-arm64 here (natively, or cross from x64); otherwise what to install.</summary>
    public static string? Arm64MissingReason { get; } = MissingReason ?? FindArm64();

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

    // What WhoAmI.csproj's WhoAmICheckNativeToolchain checks before a cross-link.
    static string? FindArm64() =>
        System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64
            || (Run.ProcessAsync("aarch64-linux-gnu-objcopy", ["--version"], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().ExitCode == 0
                && File.Exists("/usr/aarch64-linux-gnu/lib/Scrt1.o"))
            ? null
            : "cross-linking linux-arm64 needs arm64's toolchain: Debian/Ubuntu `sudo apt-get install clang lld gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross`";
}
