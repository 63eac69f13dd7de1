namespace WhoAmI.Tests.Support;

/// <summary>Whether a Docker engine answers and the base images can be had, and if not, what to do about it.</summary>
public static class ContainerEngine
{
    /// <summary>The registry on this machine that eng/start-image-mirror.sh starts; the tests push their multi-arch
    /// images there, under names of their own.</summary>
    public const string LocalRegistry = "localhost:5000";

    /// <summary>Where the base images come from, as BaseImageRegistry takes it: by default the mirror's own namespace
    /// in the local registry, which holds only what eng/start-image-mirror.sh made (it never writes outside it).</summary>
    public static string Registry { get; } = Environment.GetEnvironmentVariable("WHOAMI_BASE_IMAGE_REGISTRY") ?? $"{LocalRegistry}/whoami-mirror";

    /// <summary>Whether the base images come from the local mirror (rather than a remote registry).</summary>
    public static bool UsesLocalMirror => Registry.StartsWith($"{LocalRegistry}/", StringComparison.Ordinal);

    static readonly Lazy<Task<string?>> Missing = new(() => MissingImageAsync(BuildFacts.BaseImageName, BuildFacts.SdkImageName));

    /// <summary>Null when the images of every architecture run here (natively, or through qemu registered with
    /// binfmt_misc); otherwise what to do.</summary>
    public static string? EmulationMissingReason { get; } =
        NativeToolchain.Foreign.Where(a => !File.Exists($"/proc/sys/fs/binfmt_misc/qemu-{a.GnuTriplet.Split('-')[0]}")).Select(a => a.DockerPlatform).ToList() is { Count: > 0 } missing
            ? $"{string.Join(" and ", missing)} binaries do not run here: run eng/enable-arm64-emulation.sh as root (needs qemu-user-static)"
            : null;

    /// <summary>Null when images can be built and run here; otherwise the reason, naming the fix.</summary>
    public static Task<string?> MissingReasonAsync() => Missing.Value;

    /// <summary>Null when a Docker engine answers and <see cref="Registry"/> serves every one of
    /// <paramref name="images"/> (NAME:TAG); otherwise the reason, naming the missing image and how to make it, or
    /// where else to get it (<paramref name="elsewhere"/>).</summary>
    public static Task<string?> MissingImageAsync(params string[] images) =>
        MissingImageAsync(images, "set WHOAMI_BASE_IMAGE_REGISTRY=mcr.microsoft.com where that registry is reachable");

    public static async Task<string?> MissingImageAsync(string[] images, string elsewhere)
    {
        if ((await Run.ProcessAsync("docker", ["info"], TimeSpan.FromMinutes(1))).ExitCode != 0)
        {
            return "no Docker engine answers `docker info`: install one (Debian/Ubuntu: docker.io), or run eng/start-image-mirror.sh as root";
        }

        if (!UsesLocalMirror)
        {
            return null;
        }

        var (host, path) = (Registry[..Registry.IndexOf('/')], Registry[(Registry.IndexOf('/') + 1)..]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var image in images)
        {
            var (name, tag) = (image[..image.LastIndexOf(':')], image[(image.LastIndexOf(':') + 1)..]);
            var request = new HttpRequestMessage(HttpMethod.Head, $"http://{host}/v2/{path}/{name}/manifests/{tag}");
            request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
            request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.list.v2+json");
            request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
            request.Headers.Accept.ParseAdd("application/vnd.oci.image.index.v1+json");
            try
            {
                if (!(await http.SendAsync(request)).IsSuccessStatusCode)
                {
                    return $"a Docker engine answers, but the mirror has no {Registry}/{image}: run eng/start-image-mirror.sh as root, or {elsewhere}";
                }
            }
            catch (HttpRequestException e)
            {
                return $"a Docker engine answers, but no registry at {host} ({e.Message}): run eng/start-image-mirror.sh as root, or {elsewhere}";
            }
        }

        return null;
    }
}
