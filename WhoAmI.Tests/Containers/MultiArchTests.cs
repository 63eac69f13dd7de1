using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WhoAmI.Tests.Containers;

/// <summary>
/// One tag, two architectures, from both paths: the SDK's <c>ContainerRuntimeIdentifiers</c> (to the local registry
/// and to an archive) and the Dockerfile built by BuildKit per platform. The arm64 images run here under qemu
/// (eng/enable-arm64-emulation.sh): slowly, so nothing here is timed as a benchmark.
/// </summary>
[Trait("Category", "Container")]
[Collection(ContainerCollection.Name)]
public sealed class MultiArchTests(ContainerImages images)
{

    public static TheoryData<string> Paths => ["sdk", "dockerfile", "archive"];

    public static TheoryData<string> RegistryPaths => ["sdk", "dockerfile"];

    async Task<IReadOnlyList<PlatformImage>> PlatformImagesAsync(string path)
    {
        images.SkipUnlessAvailable();
        Assert.SkipUnless(ContainerEngine.UsesLocalMirror,
            $"multi-arch images are pushed to the local registry (eng/start-image-mirror.sh), which a base from {ContainerEngine.Registry} does not start");
        if (path == "archive")
        {
            // index.json names the one image index once per tag (2.0.0, 2.0, latest).
            return await OciImageSource.Layout(await UnpackedArchiveAsync()).PlatformImagesAsync(BuildFacts.ImageTag);
        }

        var reference = path == "sdk" ? await images.MultiArchSdkImage : await images.MultiArchDockerfileImage;
        return await OciImageSource.Registry(ContainerEngine.LocalRegistry, ContainerImages.MultiArchRepository).PlatformImagesAsync(reference.Split(':')[^1]);
    }

    Task<string>? _unpackedArchive;

    /// <summary>The multi-arch archive unpacked into an OCI layout, once per test.</summary>
    Task<string> UnpackedArchiveAsync() => _unpackedArchive ??= UnpackArchiveAsync();

    async Task<string> UnpackArchiveAsync()
    {
        var archive = await images.MultiArchArchivePath;
        var layout = Path.Combine(Path.GetDirectoryName(archive)!, "whoami-multiarch-layout");
        if (Directory.Exists(layout))
        {
            Directory.Delete(layout, recursive: true);
        }

        Directory.CreateDirectory(layout);
        await System.Formats.Tar.TarFile.ExtractToDirectoryAsync(archive, layout, overwriteFiles: false, Cancel);
        return layout;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task One_tag_holds_exactly_the_platforms_of_the_csprojs_architectures(string path)
    {
        var platforms = (await PlatformImagesAsync(path)).Select(i => i.Platform).Order();

        Assert.Equal(BuildFacts.Architectures.Select(a => a.DockerPlatform).Order(), platforms);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Each_platforms_binary_is_an_executable_for_that_machine(string path)
    {
        foreach (var image in await PlatformImagesAsync(path))
        {
            var binary = await image.ReadFileAsync("app/WhoAmI");

            Assert.True(binary is not null, $"{path} {image.Platform}: no /app/WhoAmI in its layers");
            Assert.Equal(image.Platform.Split('/')[1], ElfMachine.Of(binary));
            Measurements.Record($"multi-arch {path} {image.Platform}: compressed / uncompressed bytes",
                $"{image.CompressedSize:N0} / {await image.UncompressedSizeAsync():N0}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Each_platforms_config_is_the_single_arch_images_with_every_label_whole(string path)
    {
        var platforms = await PlatformImagesAsync(path);
        var (single, _) = await Docker.InspectImageAsync(path == "dockerfile" ? await images.DockerfileImage : await images.SdkImage);
        var expectedLabels = Docker.Labels(single);
        var baseImage = path == "archive" ? ContainerImages.OciBaseImage : $"{ContainerEngine.Registry}/{BuildFacts.BaseImageName}";
        expectedLabels["org.opencontainers.image.base.name"] = baseImage;

        foreach (var image in platforms)
        {
            var config = image.Config.GetProperty("config");
            Assert.Equal("1654", config.GetProperty("User").GetString());
            foreach (var key in new[] { "User", "Entrypoint", "WorkingDir", "ExposedPorts" })
            {
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(single.GetProperty(key).GetRawText()), JsonNode.Parse(config.GetProperty(key).GetRawText())),
                    $"{path} {image.Platform}: {key} is {config.GetProperty(key)}, the single-arch image's {single.GetProperty(key)}");
            }

            // Every label as on the single-arch image, the values the SDK would cut at their first ':' whole.
            var labels = Docker.Labels(config);
            Assert.Equal(expectedLabels.OrderBy(l => l.Key), labels.OrderBy(l => l.Key));
            Assert.Equal(ContainerImages.SourceUrl, labels["org.opencontainers.image.source"]);
            Assert.Equal(baseImage, labels["org.opencontainers.image.base.name"]);
        }
    }

    [Theory]
    [MemberData(nameof(RegistryPaths))]
    public async Task Each_other_architectures_image_runs_under_emulation_and_answers_whoami_with_its_host_name(string path)
    {
        var images = await PlatformImagesAsync(path);
        if (ContainerEngine.EmulationMissingReason is { } reason)
        {
            Assert.Skip(reason);
        }

        foreach (var architecture in NativeToolchain.Foreign)
        {
            var platform = architecture.DockerPlatform;
            var image = $"{ContainerEngine.LocalRegistry}/{ContainerImages.MultiArchRepository}@{Assert.Single(images, i => i.Platform == platform).Digest}";
            await Docker.RunAsync("pull", "-q", "--platform", platform, image);

            var clock = Stopwatch.StartNew();
            await using var container = await Docker.StartAsync(image, "web-1.example.internal", options: ["--platform", platform]);
            Measurements.Record($"multi-arch {path} {platform} under qemu: docker run to the first /whoami", $"{clock.Elapsed.TotalSeconds:0.0} s");

            Assert.Equal("web-1.example.internal", await container.Client.GetStringAsync("/whoami", Cancel));
            Assert.Equal(architecture.DockerArchitecture, await Docker.RunAsync("inspect", "--format", "{{.Architecture}}", image));
        }
    }

    [Fact]
    public async Task The_multi_arch_archive_validates_with_skopeo_and_unpacks_with_umoci_for_every_architecture()
    {
        var platforms = await PlatformImagesAsync("archive");
        var archive = await images.MultiArchArchivePath;
        var layout = await UnpackedArchiveAsync();

        foreach (var tag in BuildFacts.ReleaseTags)
        {
            using var index = JsonDocument.Parse(await Docker.RunAsync(["inspect", "--raw", $"oci-archive:{archive}:{tag}"], null, "skopeo"));
            Assert.Equal("application/vnd.oci.image.index.v1+json", index.RootElement.GetProperty("mediaType").GetString());
        }

        // umoci 0.4 names an image by a tag in index.json and cannot pick a platform out of an index; so each platform's
        // manifest, as the SDK wrote it, gets a tag of its own beside the SDK's. No blob is touched.
        var root = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json"), Cancel))!;
        foreach (var image in platforms)
        {
            var arch = image.Platform.Split('/')[1];
            var inspected = await Docker.RunAsync(["inspect", "--override-arch", arch, "--format", "{{.Architecture}}", $"oci-archive:{archive}:{BuildFacts.ImageTag}"], null, "skopeo");
            Assert.Equal(arch, inspected);
            root["manifests"]!.AsArray().Add(new JsonObject
            {
                ["mediaType"] = image.MediaType,
                ["digest"] = image.Digest,
                ["size"] = new FileInfo(Path.Combine(layout, "blobs", "sha256", image.Digest["sha256:".Length..])).Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = arch },
            });
        }

        await File.WriteAllTextAsync(Path.Combine(layout, "index.json"), root.ToJsonString(), Cancel);
        foreach (var image in platforms)
        {
            var arch = image.Platform.Split('/')[1];
            var bundle = Path.Combine(layout, "..", $"whoami-multiarch-bundle-{arch}");
            if (Directory.Exists(bundle))
            {
                Directory.Delete(bundle, recursive: true);
            }

            await Docker.RunAsync(["unpack", "--image", $"{layout}:{arch}", bundle], null, "umoci");

            Assert.Equal(arch, ElfMachine.Of(await File.ReadAllBytesAsync(Path.Combine(bundle, "rootfs", "app", "WhoAmI"), Cancel)));
            using var runtime = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(bundle, "config.json"), Cancel));
            Assert.Equal(1654, runtime.RootElement.GetProperty("process").GetProperty("user").GetProperty("uid").GetInt32());
            Directory.Delete(bundle, recursive: true);
        }
    }
}
