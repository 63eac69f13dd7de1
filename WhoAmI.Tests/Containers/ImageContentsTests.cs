using System.Security.Cryptography;
using System.Text.Json;

namespace WhoAmI.Tests.Containers;

/// <summary>What is in the images, and where it came from: base-image labels, a pinned base, the SBOM, and a
/// binary that is the same bytes whichever path and folder built it.</summary>
[Trait("Category", "Container")]
[Collection(ContainerCollection.Name)]
public sealed class ImageContentsTests(ContainerImages images)
{
    const string SbomPath = "/app/sbom/whoami.spdx.json";

    async Task<(string Sdk, string Dockerfile)> BothPathsAsync()
    {
        images.SkipUnlessAvailable();
        return (await images.SdkImage, await images.DockerfileImage);
    }

    static async Task<Dictionary<string, string>> LabelsAsync(string image) => Docker.Labels((await Docker.InspectImageAsync(image)).Config);

    [Fact]
    public async Task Both_paths_name_their_base_image_alike_and_claim_no_digest_they_were_not_given()
    {
        var (sdk, dockerfile) = await BothPathsAsync();
        var sdkLabels = await LabelsAsync(sdk);
        var dockerfileLabels = await LabelsAsync(dockerfile);

        Assert.Equal(ContainerImages.BaseImage, sdkLabels["org.opencontainers.image.base.name"]);
        Assert.Equal(sdkLabels["org.opencontainers.image.base.name"], dockerfileLabels["org.opencontainers.image.base.name"]);
        Assert.False(sdkLabels.ContainsKey("org.opencontainers.image.base.digest"));
        Assert.Equal("", dockerfileLabels.GetValueOrDefault("org.opencontainers.image.base.digest", ""));
    }

    [Fact]
    public async Task A_pinned_base_digest_is_pulled_by_digest_and_labelled_by_both_paths()
    {
        images.SkipUnlessAvailable();
        var digest = await images.BaseDigest;
        var (sdk, dockerfile) = await images.PinnedImages;

        foreach (var image in new[] { sdk, dockerfile })
        {
            var labels = await LabelsAsync(image);
            Assert.Equal(digest, labels["org.opencontainers.image.base.digest"]);
            Assert.Equal($"{ContainerImages.BaseImage}@{digest}", labels["org.opencontainers.image.base.name"]);
        }
    }

    [Fact]
    public async Task A_base_digest_that_the_registry_does_not_have_fails_both_builds_naming_it()
    {
        images.SkipUnlessAvailable();
        ContainerImages.SkipUnlessNativeToolchain();
        var missing = "sha256:" + new string('0', 64);

        var sdk = await Assert.ThrowsAsync<InvalidOperationException>(() => Publish.RunAsync("container", "-t:PublishContainer",
            $"-p:BaseImageRegistry={ContainerEngine.Registry}", $"-p:BaseImageDigest={missing}", "-p:ContainerRepository=whoami-test-missing"));
        var dockerfile = await Assert.ThrowsAsync<DockerException>(() =>
            ContainerImages.ClassicBuildAsync("whoami-test-missing:dockerfile", "--build-arg", $"BASE_IMAGE_DIGEST={missing}"));

        Assert.Contains(missing, sdk.Message);
        Assert.Contains(missing, dockerfile.Message);
    }

    [Fact]
    public async Task Both_images_carry_the_same_spdx_sbom_naming_the_packages_in_the_binary_and_the_base_image()
    {
        var (sdk, dockerfile) = await BothPathsAsync();

        var fromSdk = await Docker.ReadFileAsync(sdk, SbomPath);
        var fromDockerfile = await Docker.ReadFileAsync(dockerfile, SbomPath);

        Assert.Equal(Convert.ToHexString(SHA256.HashData(fromSdk)), Convert.ToHexString(SHA256.HashData(fromDockerfile)));
        using var sbom = JsonDocument.Parse(fromSdk);
        Assert.Equal("SPDX-2.2", sbom.RootElement.GetProperty("spdxVersion").GetString());
        var packages = sbom.RootElement.GetProperty("packages").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("versionInfo").GetString()!);
        foreach (var (name, version) in PackagesInAssetsFile())
        {
            Assert.True(packages.TryGetValue(name, out var listed), $"the SBOM does not name {name}");
            Assert.Equal(version, listed);
        }

        var baseImage = ContainerImages.BaseImage;
        Assert.Equal(baseImage[(baseImage.LastIndexOf(':') + 1)..], packages[baseImage[..baseImage.LastIndexOf(':')]]);
    }

    [Fact]
    public async Task The_binary_is_the_same_bytes_from_both_paths_and_from_a_plain_publish_in_another_folder()
    {
        var (sdk, dockerfile) = await BothPathsAsync();
        var folder = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "repro");
        await Publish.RunAsync("repro", "-o", folder);
        var published = Path.Combine(folder, "WhoAmI");

        var hashes = new Dictionary<string, string>
        {
            ["SDK image"] = Convert.ToHexString(SHA256.HashData(await Docker.ReadFileAsync(sdk, "/app/WhoAmI"))),
            ["Dockerfile image"] = Convert.ToHexString(SHA256.HashData(await Docker.ReadFileAsync(dockerfile, "/app/WhoAmI"))),
            ["artifacts/tests/repro"] = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(published, Cancel))),
        };

        TestContext.Current.SendDiagnosticMessage(string.Join("; ", hashes.Select(h => $"{h.Key} {h.Value}")));
        Assert.Single(hashes.Values.Distinct());
    }

    /// <summary>The packages that build the native binary, with the versions restore chose, from the SDK path's
    /// own obj/project.assets.json: the ILCompiler, the runtime packs, ASP.NET Core's.</summary>
    static IEnumerable<(string Name, string Version)> PackagesInAssetsFile()
    {
        var assets = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "build-container", "obj", "WhoAmI", "project.assets.json");
        using var json = JsonDocument.Parse(File.ReadAllText(assets));
        var found = new List<(string, string)>();
        foreach (var library in json.RootElement.GetProperty("libraries").EnumerateObject())
        {
            var (name, version) = (library.Name.Split('/')[0], library.Name.Split('/')[1]);
            found.Add((name, version));
        }

        foreach (var framework in json.RootElement.GetProperty("project").GetProperty("frameworks").EnumerateObject())
        {
            foreach (var download in framework.Value.GetProperty("downloadDependencies").EnumerateArray())
            {
                var range = download.GetProperty("version").GetString()!;
                found.Add((download.GetProperty("name").GetString()!, range.Trim('[', ']').Split(',')[0].Trim()));
            }
        }

        Assert.Contains(found, p => p.Item1 == "Microsoft.DotNet.ILCompiler");
        Assert.Contains(found, p => p.Item1 == "Microsoft.AspNetCore.App.Runtime.linux-x64");
        return found;
    }
}
