using System.Diagnostics;

namespace WhoAmI.Tests.Containers;

/// <summary>
/// The images, each built once per test run when a test first asks for it, through the commands a user runs.
/// Needs a Docker engine and the base images in <see cref="Registry"/>: eng/start-image-mirror.sh provides both.
/// Every image of a run is built from one base: its digest is read before the first build, and a build after which
/// the registry serves another fails, naming both (something outside the run wrote to the mirror).
/// </summary>
public sealed class ContainerImages : IAsyncLifetime
{
    static string Registry => ContainerEngine.Registry;

    public const string SourceUrl = "https://example.invalid/whoami-test";
    public const string SourceRevision = "0123456789abcdef";

    /// <summary>The time both paths put into the SBOM, as a release build would: the commit's.</summary>
    public static string SourceDateEpoch { get; } = CommitEpoch();

    readonly Lazy<Task<string>> _sdk, _dockerfile, _buildKit, _buildStage, _trimmed, _archive;
    readonly Lazy<Task<string>> _multiArchSdk, _multiArchDockerfile, _multiArchArchive;
    readonly Lazy<Task<string>> _baseDigest;
    readonly Lazy<Task<(string Sdk, string Dockerfile)>> _pinned;

    public ContainerImages()
    {
        _sdk = new(BuildSdkImageAsync);
        _dockerfile = new(() => BuildDockerfileAsync("whoami-test:dockerfile", []));
        _buildKit = new(BuildWithBuildKitAsync);
        _buildStage = new(() => BuildDockerfileAsync("whoami-test:build-stage", ["--target", "build"]));
        _trimmed = new(BuildTrimmedImageAsync);
        _archive = new(WriteArchiveAsync);
        _baseDigest = new(ReadBaseDigestAsync);
        _pinned = new(BuildPinnedAsync);
        _multiArchSdk = new(() => PublishMultiArchAsync(archive: null));
        _multiArchDockerfile = new(BuildMultiArchDockerfileAsync);
        _multiArchArchive = new(() => PublishMultiArchAsync(Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "whoami-multiarch.tar")));
    }

    /// <summary>The architectures a multi-arch build makes: WhoAmI.csproj's.</summary>
    static IReadOnlyList<BuildFacts.Architecture> Architectures => BuildFacts.Architectures;

    /// <summary>The base image as the builds name it.</summary>
    public static string BaseImage => $"{Registry}/{BuildFacts.BaseImageName}";

    /// <summary>The base image in OCI media types, which the mirror also serves (eng/mirror/runtime-deps.sh).</summary>
    public static string OciBaseImage => $"{BaseImage}-oci";

    /// <summary>The repository multi-arch images are pushed to, in the local registry.</summary>
    public const string MultiArchRepository = "whoami-test-multiarch";

    /// <summary>The SDK path for both architectures, pushed to the local registry as one tag: the reference.</summary>
    public Task<string> MultiArchSdkImage => _multiArchSdk.Value;

    /// <summary>The Dockerfile built by BuildKit once per platform, joined by <c>docker manifest</c>: the reference.</summary>
    public Task<string> MultiArchDockerfileImage => _multiArchDockerfile.Value;

    /// <summary>The SDK path for both architectures into one archive (an OCI image layout in a tar).</summary>
    public Task<string> MultiArchArchivePath => _multiArchArchive.Value;

    /// <summary>The digest of the base image in <see cref="Registry"/> when the run began.</summary>
    public Task<string> BaseDigest => _baseDigest.Value;

    /// <summary>Both paths with the base pinned to <see cref="BaseDigest"/>.</summary>
    public Task<(string Sdk, string Dockerfile)> PinnedImages => _pinned.Value;

    public string? SkipReason { get; private set; }

    /// <summary><c>dotnet publish WhoAmI -t:PublishContainer</c>: whoami:2.0 (<see cref="BuildFacts.Image"/>), then tagged whoami-test:sdk.</summary>
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

    public async ValueTask InitializeAsync()
    {
        SkipReason = await ContainerEngine.MissingReasonAsync();
        if (SkipReason is null)
        {
            await BaseDigest;
        }
    }

    Task<string> ReadBaseDigestAsync() =>
        Docker.RunAsync(["inspect", "--tls-verify=false", "--format", "{{.Digest}}", $"docker://{BaseImage}"], new Dictionary<string, string?>(), "skopeo");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public void SkipUnlessAvailable() => Assert.SkipWhen(SkipReason is not null, $"container group left out: {SkipReason}");

    /// <summary>The SDK path links the Native AOT binary on this machine; the Dockerfile path links it inside the SDK image.</summary>
    public static void SkipUnlessNativeToolchain() =>
        Assert.SkipUnless(NativeToolchain.IsAvailable, $"the SDK path builds Native AOT on this machine: {NativeToolchain.MissingReason}");

    async Task<string> BuildSdkImageAsync()
    {
        SkipUnlessNativeToolchain();
        // The design's own spelling, /t:; the other tests write -t:, which MSBuild reads the same.
        await TimedAsync("SDK path (dotnet publish /t:PublishContainer)", () => Publish.RunAsync("container", "/t:PublishContainer",
            $"-p:BaseImageRegistry={Registry}", $"-p:WhoAmISourceUrl={SourceUrl}", $"-p:WhoAmISourceRevision={SourceRevision}",
            $"-p:SOURCE_DATE_EPOCH={SourceDateEpoch}"));
        await Docker.RunAsync("tag", BuildFacts.Image, "whoami-test:sdk");
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
        await TimedAsync("Dockerfile, BuildKit", () => BuildKitAsync(tag));
        return tag;
    }

    /// <summary><c>docker build</c> with BuildKit: <c>docker buildx</c> where installed; else Debian's docker.io client
    /// (20.10), which still carries BuildKit itself (newer clients need the buildx plugin).</summary>
    static async Task BuildKitAsync(string tag, params string[] options)
    {
        if (await Docker.ExitCodeAsync("buildx", "version") == 0)
        {
            await Docker.RunAsync(["buildx", .. BuildArguments(tag), .. options, "--load", RepositoryRoot.Path]);
            return;
        }

        const string legacyClient = "/usr/bin/docker";
        Assert.SkipUnless(File.Exists(legacyClient), "no BuildKit client: neither `docker buildx` nor Debian's docker.io client is installed");
        await Docker.RunAsync([.. BuildArguments(tag), .. options, RepositoryRoot.Path], new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "1" }, legacyClient);
    }

    async Task<(string Sdk, string Dockerfile)> BuildPinnedAsync()
    {
        SkipUnlessNativeToolchain();
        var digest = await BaseDigest;
        await TimedAsync("SDK path, base pinned by digest", () => Publish.RunAsync("container", "-t:PublishContainer",
            $"-p:BaseImageRegistry={Registry}", $"-p:BaseImageDigest={digest}", "-p:ContainerRepository=whoami-test-pinned"));
        await TimedAsync("Dockerfile, base pinned by digest", () => ClassicBuildAsync("whoami-test-pinned:dockerfile", "--build-arg", $"BASE_IMAGE_DIGEST={digest}"));
        return ($"whoami-test-pinned:{BuildFacts.ImageTag}", "whoami-test-pinned:dockerfile");
    }

    async Task<string> BuildTrimmedImageAsync()
    {
        await TimedAsync("SDK path without Native AOT", () => Publish.RunAsync("trimmed", "-t:PublishContainer", "-p:WhoAmINativeAot=false",
            $"-p:BaseImageRegistry={Registry}", "-p:ContainerRepository=whoami-test-trimmed"));
        return $"whoami-test-trimmed:{BuildFacts.ImageTag}";
    }

    async Task<string> WriteArchiveAsync()
    {
        SkipUnlessNativeToolchain();
        // .tar: the SDK writes an uncompressed tar whatever the name says (dotnet/sdk-container-builds#518).
        var path = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "whoami-archive.tar");
        File.Delete(path);
        await TimedAsync("SDK path to a tarball", () => Publish.RunAsync("container", "-t:PublishContainer",
            $"-p:BaseImageRegistry={Registry}", "-p:ContainerRepository=whoami-test-archive", $"-p:ContainerArchiveOutputPath={path}"));
        return path;
    }

    async Task<string> PublishMultiArchAsync(string? archive)
    {
        SkipUnlessNativeToolchain();
        Assert.SkipWhen(NativeToolchain.CrossMissingReason is not null, $"the SDK path's multi-arch build: {NativeToolchain.CrossMissingReason}");
        // An archive takes the base in OCI form: on a Docker-format base (as Microsoft's are) the SDK writes an OCI
        // index over layers of Docker's media types, which umoci rejects.
        string[] output = archive is null ? [$"-p:ContainerRegistry={ContainerEngine.LocalRegistry}"] : [$"-p:ContainerArchiveOutputPath={archive}", $"-p:ContainerBaseImage={OciBaseImage}"];
        if (archive is not null)
        {
            File.Delete(archive);
        }

        await TimedAsync($"SDK path, {string.Join(" + ", Architectures.Select(a => a.DockerPlatform))}{(archive is null ? "" : ", to an archive")}",
            () => Publish.RunAsync("multiarch", ["-t:PublishContainer", $"-p:ContainerRuntimeIdentifiers=\"{string.Join(';', Architectures.Select(a => a.RuntimeIdentifier))}\"",
                $"-p:BaseImageRegistry={Registry}", $"-p:ContainerRepository={MultiArchRepository}", $"-p:WhoAmISourceUrl={SourceUrl}",
                $"-p:WhoAmISourceRevision={SourceRevision}", $"-p:SOURCE_DATE_EPOCH={SourceDateEpoch}", .. BuildFacts.ReleaseTagArguments, .. output]));
        return archive ?? $"{ContainerEngine.LocalRegistry}/{MultiArchRepository}:{BuildFacts.ImageTag}";
    }

    /// <summary>What a user without buildx does: BuildKit per platform (Debian's 20.10 client), each pushed under its own
    /// tag, then <c>docker manifest create</c> and <c>push</c> join them under one.</summary>
    async Task<string> BuildMultiArchDockerfileAsync()
    {
        var image = $"{ContainerEngine.LocalRegistry}/{MultiArchRepository}:dockerfile";
        await TimedAsync($"Dockerfile, BuildKit per platform + docker manifest ({string.Join(", ", Architectures.Select(a => a.DockerPlatform))})", async () =>
        {
            foreach (var architecture in Architectures)
            {
                var tag = $"{image}-{architecture.DockerArchitecture}";
                await BuildKitAsync(tag, "--platform", architecture.DockerPlatform);
                await Docker.RunAsync("push", "-q", tag);
            }

            await Run.ProcessAsync("docker", ["manifest", "rm", image], TimeSpan.FromMinutes(1));
            await Docker.RunAsync(["manifest", "create", "--insecure", image, .. Architectures.Select(a => $"{image}-{a.DockerArchitecture}")]);
            await Docker.RunAsync("manifest", "push", "--insecure", image);
        });
        return image;
    }

    /// <summary>The build command's arguments as the tests give them: base from the test registry, the fixed source labels.</summary>
    public static string[] BuildArguments(string tag) =>
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
        Measurements.Record($"build: {what}", $"{clock.Elapsed.TotalSeconds:0.0} s");
        var (before, now) = (await BaseDigest, await ReadBaseDigestAsync());
        Assert.True(before == now, $"{BaseImage} changed during the run ({before} when it began, {now} after \"{what}\"): "
            + "the images of one run must share one base; something outside the run wrote to the mirror");
    }
}

[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<ContainerImages>
{
    public const string Name = "Container images";
}
