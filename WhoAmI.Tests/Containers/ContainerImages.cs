using System.Diagnostics;

namespace WhoAmI.Tests.Containers;

/// <summary>
/// The images, each built once per test run when a test first asks for it, through the commands a user runs.
/// Needs a Docker engine and the base images in <see cref="Registry"/>: eng/start-image-mirror.sh provides both.
/// </summary>
public sealed class ContainerImages : IAsyncLifetime
{
    static string Registry => ContainerEngine.Registry;

    public const string SourceUrl = "https://example.invalid/whoami-test";
    public const string SourceRevision = "0123456789abcdef";

    /// <summary>The time both paths put into the SBOM, as a release build would: the commit's.</summary>
    public static string SourceDateEpoch { get; } = CommitEpoch();

    readonly Lazy<Task<string>> _sdk, _dockerfile, _buildKit, _buildStage, _trimmed, _archive;
    readonly Lazy<Task<string>> _baseDigest;
    readonly Lazy<Task<(string Sdk, string Dockerfile)>> _pinned;

    public ContainerImages()
    {
        _sdk = new(BuildSdkImageAsync);
        _dockerfile = new(() => BuildDockerfileAsync("whoami-test:dockerfile", []));
        _buildKit = new(BuildWithBuildKitAsync);
        _buildStage = new(() => BuildDockerfileAsync("whoami-test:1.0", ["--target", "build"]));
        _trimmed = new(BuildTrimmedImageAsync);
        _archive = new(WriteArchiveAsync);
        _baseDigest = new(() => Docker.RunAsync(["inspect", "--tls-verify=false", "--format", "{{.Digest}}", $"docker://{Registry}/dotnet/runtime-deps:10.0-noble-chiseled"],
            new Dictionary<string, string?>(), "skopeo"));
        _pinned = new(BuildPinnedAsync);
    }

    /// <summary>The digest of the base image in <see cref="Registry"/> now.</summary>
    public Task<string> BaseDigest => _baseDigest.Value;

    /// <summary>Both paths with the base pinned to <see cref="BaseDigest"/>.</summary>
    public Task<(string Sdk, string Dockerfile)> PinnedImages => _pinned.Value;

    public string? SkipReason { get; private set; }

    /// <summary>Wall time of each build, for the test output.</summary>
    public Dictionary<string, TimeSpan> BuildTimes { get; } = [];

    /// <summary><c>dotnet publish WhoAmI -t:PublishContainer</c>: whoami:2.0, then tagged whoami-test:sdk.</summary>
    public Task<string> SdkImage => _sdk.Value;

    /// <summary><c>docker build -t … .</c> with the classic builder.</summary>
    public Task<string> DockerfileImage => _dockerfile.Value;

    /// <summary>The same Dockerfile built by BuildKit.</summary>
    public Task<string> BuildKitImage => _buildKit.Value;

    /// <summary><c>docker build --target build</c>: the single-stage equivalent that keeps the toolchain.</summary>
    public Task<string> BuildStageImage => _buildStage.Value;

    /// <summary>The SDK path with Native AOT turned off, as on macOS or Windows.</summary>
    public Task<string> TrimmedImage => _trimmed.Value;

    /// <summary><c>-p:ContainerArchiveOutputPath=…</c>: a tarball, no daemon involved.</summary>
    public Task<string> ArchivePath => _archive.Value;

    public async ValueTask InitializeAsync() => SkipReason = await ContainerEngine.MissingReasonAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public void SkipUnlessAvailable() => Assert.SkipWhen(SkipReason is not null, $"container group left out: {SkipReason}");

    /// <summary>The SDK path links the Native AOT binary on this machine; the Dockerfile path links it inside the SDK image.</summary>
    public static void SkipUnlessNativeToolchain() =>
        Assert.SkipUnless(NativeToolchain.IsAvailable, $"the SDK path builds Native AOT on this machine: {NativeToolchain.MissingReason}");

    async Task<string> BuildSdkImageAsync()
    {
        SkipUnlessNativeToolchain();
        await TimedAsync("SDK path (dotnet publish -t:PublishContainer)", () => Publish.RunAsync("container", "-t:PublishContainer",
            $"-p:BaseImageRegistry={Registry}", $"-p:WhoAmISourceUrl={SourceUrl}", $"-p:WhoAmISourceRevision={SourceRevision}",
            $"-p:SOURCE_DATE_EPOCH={SourceDateEpoch}"));
        await Docker.RunAsync("tag", "whoami:2.0", "whoami-test:sdk");
        return "whoami-test:sdk";
    }

    async Task<string> BuildDockerfileAsync(string tag, string[] options)
    {
        await TimedAsync($"Dockerfile, classic builder ({tag})", () => ClassicBuildAsync(tag, options));
        return tag;
    }

    /// <summary><c>docker build</c> of this repository with the classic builder, the test's build arguments and
    /// <paramref name="options"/>.</summary>
    public static Task<string> ClassicBuildAsync(string tag, params string[] options) =>
        Docker.RunAsync([.. BuildArguments(tag), .. options, RepositoryRoot.Path], new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "0" });

    async Task<string> BuildWithBuildKitAsync()
    {
        const string tag = "whoami-test:buildkit";
        if (await Docker.ExitCodeAsync("buildx", "version") == 0)
        {
            await TimedAsync("Dockerfile, BuildKit (buildx)", () => Docker.RunAsync(["buildx", .. BuildArguments(tag), "--load", RepositoryRoot.Path]));
            return tag;
        }

        // Debian's docker.io client (20.10) still carries BuildKit itself; newer clients need the buildx plugin.
        const string legacyClient = "/usr/bin/docker";
        Assert.SkipUnless(File.Exists(legacyClient), "no BuildKit client: neither `docker buildx` nor Debian's docker.io client is installed");
        await TimedAsync("Dockerfile, BuildKit", () => Docker.RunAsync(
            [.. BuildArguments(tag), RepositoryRoot.Path], new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "1" }, legacyClient));
        return tag;
    }

    async Task<(string Sdk, string Dockerfile)> BuildPinnedAsync()
    {
        SkipUnlessNativeToolchain();
        var digest = await BaseDigest;
        await TimedAsync("SDK path, base pinned by digest", () => Publish.RunAsync("container", "-t:PublishContainer",
            $"-p:BaseImageRegistry={Registry}", $"-p:BaseImageDigest={digest}", "-p:ContainerRepository=whoami-test-pinned"));
        await TimedAsync("Dockerfile, base pinned by digest", () => ClassicBuildAsync("whoami-test-pinned:dockerfile", "--build-arg", $"BASE_IMAGE_DIGEST={digest}"));
        return ("whoami-test-pinned:2.0", "whoami-test-pinned:dockerfile");
    }

    async Task<string> BuildTrimmedImageAsync()
    {
        await TimedAsync("SDK path without Native AOT", () => Publish.RunAsync("trimmed", "-t:PublishContainer", "-p:WhoAmINativeAot=false",
            $"-p:BaseImageRegistry={Registry}", "-p:ContainerRepository=whoami-test-trimmed"));
        return "whoami-test-trimmed:2.0";
    }

    async Task<string> WriteArchiveAsync()
    {
        SkipUnlessNativeToolchain();
        var path = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "whoami-archive.tar.gz");
        File.Delete(path);
        await TimedAsync("SDK path to a tarball", () => Publish.RunAsync("container", "-t:PublishContainer",
            $"-p:BaseImageRegistry={Registry}", "-p:ContainerRepository=whoami-test-archive", $"-p:ContainerArchiveOutputPath={path}"));
        return path;
    }

    static string[] BuildArguments(string tag) =>
        ["build", "--pull", "--network", "host", "-t", tag, "--build-arg", $"BASE_IMAGE_REGISTRY={Registry}",
            "--build-arg", $"SOURCE_URL={SourceUrl}", "--build-arg", $"SOURCE_REVISION={SourceRevision}",
            "--build-arg", $"SOURCE_DATE_EPOCH={SourceDateEpoch}"];

    static string CommitEpoch()
    {
        var (exitCode, output) = Run.ProcessAsync("git", ["-C", RepositoryRoot.Path, "log", "-1", "--format=%ct"], TimeSpan.FromSeconds(30))
            .GetAwaiter().GetResult();
        return exitCode == 0 ? output.Trim() : "0";
    }

    async Task TimedAsync(string what, Func<Task> build)
    {
        var clock = Stopwatch.StartNew();
        await build();
        lock (BuildTimes)
        {
            BuildTimes[what] = clock.Elapsed;
        }

        TestContext.Current.SendDiagnosticMessage($"{what}: {clock.Elapsed.TotalSeconds:0.0} s");
    }
}

[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<ContainerImages>
{
    public const string Name = "Container images";
}
