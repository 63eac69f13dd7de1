namespace WhoAmI.Tests.Support;

/// <summary>Rootful Podman as a user runs it, with eng/podman/containers.conf (no default ulimits; without it every
/// <c>podman run</c> on this kind of host fails with "error setting rlimit type 7"). Containers publish on 127.0.0.1.</summary>
public static class Podman
{
    /// <summary>The environment of every Podman command here, and of a build that calls Podman (the SDK's
    /// <c>-p:LocalRegistry=podman</c>).</summary>
    public static Dictionary<string, string?> Environment => new()
    {
        ["CONTAINERS_CONF"] = Path.Combine(RepositoryRoot.Path, "eng", "podman", "containers.conf"),
    };

    static readonly Lazy<Task<string?>> Missing = new(async () =>
        (await Run.ProcessAsync("podman", ["info"], TimeSpan.FromMinutes(1), Environment)) is { ExitCode: not 0 } failed
            ? $"no Podman answers `podman info` ({failed.Output.Split('\n')[0]}): install podman (Debian's, rootful; .ci/run does)"
            : null);

    /// <summary>Null when Podman runs here; otherwise what to do.</summary>
    public static Task<string?> MissingReasonAsync() => Missing.Value;

    public static Task<string> RunAsync(params string[] args) => Docker.RunAsync(args, Environment, "podman");

    public static async Task<int> ExitCodeAsync(params string[] args) =>
        (await Run.ProcessAsync("podman", args, TimeSpan.FromMinutes(2), Environment)).ExitCode;

    /// <summary>Starts <paramref name="image"/> detached with a host name, its port published on loopback and
    /// <paramref name="options"/>; waits until <c>/whoami</c> answers. Removed when disposed.</summary>
    public static Task<RunningContainer> StartAsync(string image, string hostName, params string[] options) =>
        Docker.StartAsync(image, hostName, options, port: BuildFacts.HttpPort, engine: "podman", environment: Environment);
}
