namespace WhoAmI.Tests.Support;

/// <summary>Whether a Docker engine answers and the base images can be had, and if not, what to do about it.</summary>
public static class ContainerEngine
{
    /// <summary>Where the base images come from; the mirror by default.</summary>
    public static string Registry { get; } = Environment.GetEnvironmentVariable("WHOAMI_BASE_IMAGE_REGISTRY") ?? "localhost:5000";

    static readonly Lazy<Task<string?>> Missing = new(FindAsync);

    /// <summary>Null when linux/arm64 images run here (natively, or through qemu registered with binfmt_misc);
    /// otherwise what to do.</summary>
    public static string? Arm64EmulationMissingReason { get; } =
        System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64
            || File.Exists("/proc/sys/fs/binfmt_misc/qemu-aarch64")
            ? null
            : "arm64 binaries do not run here: run eng/enable-arm64-emulation.sh as root (needs qemu-user-static)";

    /// <summary>Null when images can be built and run here; otherwise the reason, naming the fix.</summary>
    public static Task<string?> MissingReasonAsync() => Missing.Value;

    static async Task<string?> FindAsync()
    {
        if ((await Run.ProcessAsync("docker", ["info"], TimeSpan.FromMinutes(1))).ExitCode != 0)
        {
            return "no Docker engine answers `docker info`: install one (Debian/Ubuntu: docker.io), or run eng/start-image-mirror.sh as root";
        }

        if (!Registry.StartsWith("localhost:", StringComparison.Ordinal) && !Registry.StartsWith("127.", StringComparison.Ordinal))
        {
            return null;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var image in new[] { "dotnet/runtime-deps/manifests/10.0-noble-chiseled", "dotnet/sdk/manifests/10.0-noble-aot" })
        {
            var request = new HttpRequestMessage(HttpMethod.Head, $"http://{Registry}/v2/{image}");
            request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
            request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
            request.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
            try
            {
                if (!(await http.SendAsync(request)).IsSuccessStatusCode)
                {
                    return $"a Docker engine answers, but {Registry} has no {image.Replace("/manifests/", ":")}: run eng/start-image-mirror.sh, "
                        + "or set WHOAMI_BASE_IMAGE_REGISTRY=mcr.microsoft.com where that registry is reachable";
                }
            }
            catch (HttpRequestException e)
            {
                return $"a Docker engine answers, but no registry at {Registry} ({e.Message}): run eng/start-image-mirror.sh, "
                    + "or set WHOAMI_BASE_IMAGE_REGISTRY=mcr.microsoft.com where that registry is reachable";
            }
        }

        return null;
    }
}
