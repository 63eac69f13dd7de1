using System.Text.Json;
using System.Text.Json.Nodes;
using WhoAmI.Tests.Containers;

namespace WhoAmI.Tests.Registries;

/// <summary>
/// Both paths push to a registry as a company runs one (<see cref="TlsRegistries"/>: TLS from a private CA, htpasswd
/// users, a host name that is not localhost), and what they pushed is read back from the registry's side with skopeo:
/// the tags, the platforms of the index, the labels, and the same image config as the build loaded locally.
/// </summary>
[Trait("Category", "Registry")]
[Collection(ContainerCollection.Name)]
public sealed class RegistryPushTests(ContainerImages images, TlsRegistries registries) : IClassFixture<TlsRegistries>
{
    void SkipUnlessAvailable()
    {
        images.SkipUnlessAvailable();
        ContainerImages.SkipUnlessNativeToolchain();
        registries.SkipUnlessAvailable();
    }

    [Fact]
    public async Task Sdk_push_with_credentials_from_the_environment_tags_the_version_its_major_minor_and_latest_over_tls()
    {
        SkipUnlessAvailable();
        var target = registries.Target;
        var output = await Publish.RunAsync("container", TlsRegistries.SdkPush(registries.BaseInTarget, target.Host, "whoami-env"), registries.Environment(
            ("DOTNET_CONTAINER_REGISTRY_UNAME", target.User), ("DOTNET_CONTAINER_REGISTRY_PWORD", target.Password)));

        Assert.DoesNotContain(target.Password, output, StringComparison.Ordinal);
        Assert.Equal(BuildFacts.ReleaseTags.Order(), await registries.TagsAsync(target, "whoami-env"));
        var digests = await Task.WhenAll(BuildFacts.ReleaseTags.Select(t => registries.DigestAsync(target, $"whoami-env:{t}")));
        Assert.Single(digests.Distinct());
        await AssertSameAsLocalSdkImageAsync($"whoami-env:{BuildFacts.Version}", registries.BaseInTarget);
    }

    [Fact]
    public async Task Sdk_push_of_every_architecture_with_a_docker_config_login_makes_one_index_under_every_tag()
    {
        SkipUnlessAvailable();
        Assert.SkipWhen(NativeToolchain.CrossMissingReason is not null, $"the SDK path's multi-arch build: {NativeToolchain.CrossMissingReason}");
        var target = registries.Target;
        // The release's own platforms (.github/workflows/release.yml), with its credentials variables' Docker-config twin.
        var rids = ReleaseWorkflow.PublishProperties["ContainerRuntimeIdentifiers"];
        var environment = registries.Environment();
        environment["DOCKER_CONFIG"] = registries.DockerConfig(target);

        var output = await Publish.RunAsync("multiarch", [.. TlsRegistries.SdkPush(registries.BaseInTarget, target.Host, "whoami-multiarch"), $"-p:ContainerRuntimeIdentifiers=\"{rids}\""], environment);

        Assert.DoesNotContain(target.Password, output, StringComparison.Ordinal);
        var tags = await registries.TagsAsync(target, "whoami-multiarch");
        foreach (var tag in BuildFacts.ReleaseTags)
        {
            // The SDK also pushes each platform's image under TAG-RID (docs/containers.md); the index is TAG.
            Assert.Contains(tag, tags);
            using var index = JsonDocument.Parse(await registries.SkopeoAsync(target, "inspect", "--raw", $"docker://{target.Host}/whoami-multiarch:{tag}"));
            var platforms = index.RootElement.GetProperty("manifests").EnumerateArray()
                .Select(m => $"{m.GetProperty("platform").GetProperty("os").GetString()}/{m.GetProperty("platform").GetProperty("architecture").GetString()}");
            Assert.Equal(BuildFacts.Architectures.Select(a => a.DockerPlatform).Order(), platforms.Order());
        }

        foreach (var architecture in BuildFacts.Architectures)
        {
            using var inspect = JsonDocument.Parse(await registries.SkopeoAsync(target, "inspect", "--override-arch", architecture.DockerArchitecture,
                $"docker://{target.Host}/whoami-multiarch:{BuildFacts.Version}"));
            var labels = inspect.RootElement.GetProperty("Labels");
            Assert.Equal(BuildFacts.Version, labels.GetProperty("org.opencontainers.image.version").GetString());
            Assert.Equal(ContainerImages.SourceUrl, labels.GetProperty("org.opencontainers.image.source").GetString());
            Assert.Equal(ContainerImages.SourceRevision, labels.GetProperty("org.opencontainers.image.revision").GetString());
            Assert.Equal(architecture.DockerArchitecture, inspect.RootElement.GetProperty("Architecture").GetString());
        }
    }

    /// <summary>dotnet/sdk#37156: the base in one registry and the target in another, each with its own user. SDK 10
    /// reads DOTNET_CONTAINER_PULL_REGISTRY_UNAME/PWORD for the base and …_PUSH_… for the target, or one Docker config
    /// with both logins; one set of DOTNET_CONTAINER_REGISTRY_UNAME/PWORD cannot serve both (RegistryFailureTests).</summary>
    [Theory]
    [InlineData("pull and push variables")]
    [InlineData("a docker config with both logins")]
    public async Task Sdk_push_takes_the_base_from_a_second_registry_with_its_own_credentials(string credentials)
    {
        SkipUnlessAvailable();
        var (target, mirror) = (registries.Target, registries.Mirror);
        var environment = credentials == "pull and push variables"
            ? registries.Environment(("DOTNET_CONTAINER_PULL_REGISTRY_UNAME", mirror.User), ("DOTNET_CONTAINER_PULL_REGISTRY_PWORD", mirror.Password),
                ("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", target.User), ("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD", target.Password))
            : registries.Environment();
        if (credentials != "pull and push variables")
        {
            environment["DOCKER_CONFIG"] = registries.DockerConfig(target, mirror);
        }

        var repository = $"whoami-two-registries-{(credentials == "pull and push variables" ? "variables" : "config")}";
        var output = await Publish.RunAsync("container", TlsRegistries.SdkPush(mirror.Host, target.Host, repository), environment);

        Assert.DoesNotContain(target.Password, output, StringComparison.Ordinal);
        Assert.DoesNotContain(mirror.Password, output, StringComparison.Ordinal);
        Assert.Equal(BuildFacts.ReleaseTags.Order(), await registries.TagsAsync(target, repository));
        await AssertSameAsLocalSdkImageAsync($"{repository}:{BuildFacts.ImageTag}", mirror.Host);
    }

    [Fact]
    public async Task Dockerfile_image_is_pushed_after_docker_login_under_the_same_tags_with_the_same_config()
    {
        images.SkipUnlessAvailable();
        registries.SkipUnlessAvailable();
        var target = registries.Target;
        var environment = registries.Environment();
        var local = await images.DockerfileImage;

        var login = await LoginAsync(target, target.Password, environment);
        Assert.True(login.ExitCode == 0, login.Output);
        foreach (var tag in BuildFacts.ReleaseTags)
        {
            var remote = $"{target.Host}/whoami-dockerfile:{tag}";
            await Docker.RunAsync("tag", local, remote);
            try
            {
                Assert.DoesNotContain(target.Password, await Docker.RunAsync(["push", remote], environment), StringComparison.Ordinal);
            }
            finally
            {
                await Docker.RunAsync("rmi", remote);
            }
        }

        Assert.Equal(BuildFacts.ReleaseTags.Order(), await registries.TagsAsync(target, "whoami-dockerfile"));
        Assert.Equal(await LocalConfigAsync(local), await PushedConfigAsync($"whoami-dockerfile:{BuildFacts.Version}", ContainerEngine.Registry));
    }

    /// <summary>Each platform's image pushed by Docker, joined under every tag by <c>podman manifest</c>: Docker's own
    /// <c>docker manifest push</c> to this registry ends in "connection reset by peer" (Debian's 20.10 client: "unsupported
    /// registry version"), with TLS alone as with authentication, while it works against plain HTTP on localhost
    /// (MultiArchTests); docs/containers.md.</summary>
    [Fact]
    public async Task Dockerfile_images_of_every_architecture_are_joined_under_every_tag_in_the_tls_registry()
    {
        images.SkipUnlessAvailable();
        registries.SkipUnlessAvailable();
        var podman = await Podman.MissingReasonAsync();
        Assert.SkipWhen(podman is not null, $"joining the platforms needs Podman: {podman}");
        var target = registries.Target;
        var environment = registries.Environment();
        var local = await images.MultiArchDockerfileImage;
        Assert.True((await LoginAsync(target, target.Password, environment)).ExitCode == 0);

        var platformImages = new List<string>();
        foreach (var architecture in BuildFacts.Architectures)
        {
            var remote = $"{target.Host}/whoami-dockerfile-multiarch:{BuildFacts.Version}-{architecture.DockerArchitecture}";
            await Docker.RunAsync("tag", $"{local}-{architecture.DockerArchitecture}", remote);
            try
            {
                await Docker.RunAsync(["push", "-q", remote], environment);
            }
            finally
            {
                await Docker.RunAsync("rmi", remote);
            }

            platformImages.Add(remote);
        }

        string[] access = ["--authfile", registries.AuthFile(target), "--cert-dir", registries.CertificateDirectory];
        var list = $"whoami-test-manifest-{Guid.NewGuid():N}"[..28];
        await Podman.RunAsync("manifest", "create", list);
        try
        {
            foreach (var image in platformImages)
            {
                await Podman.RunAsync(["manifest", "add", .. access, list, $"docker://{image}"]);
            }

            foreach (var tag in BuildFacts.ReleaseTags)
            {
                await Podman.RunAsync(["manifest", "push", "--all", .. access, list, $"docker://{target.Host}/whoami-dockerfile-multiarch:{tag}"]);
                using var raw = JsonDocument.Parse(await registries.SkopeoAsync(target, "inspect", "--raw", $"docker://{target.Host}/whoami-dockerfile-multiarch:{tag}"));
                var platforms = raw.RootElement.GetProperty("manifests").EnumerateArray().Select(m => $"linux/{m.GetProperty("platform").GetProperty("architecture").GetString()}");
                Assert.Equal(BuildFacts.Architectures.Select(a => a.DockerPlatform).Order(), platforms.Order());
            }
        }
        finally
        {
            await Podman.RunAsync("manifest", "rm", list);
        }
    }

    [Fact]
    public async Task Docker_login_with_a_wrong_password_fails_in_one_line_naming_the_registry()
    {
        images.SkipUnlessAvailable();
        registries.SkipUnlessAvailable();
        var target = registries.Target;
        const string wrong = "not-the-password-1234";

        var (exitCode, output) = await LoginAsync(target, wrong, registries.Environment());

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(target.Host, line, StringComparison.Ordinal);
        Assert.Contains("401 Unauthorized", line, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, output, StringComparison.Ordinal);
    }

    /// <summary><c>docker login HOST -u USER --password-stdin</c>, into the environment's own Docker config.</summary>
    static Task<(int ExitCode, string Output)> LoginAsync(TlsRegistries.TlsRegistry registry, string password, Dictionary<string, string?> environment)
    {
        var withPassword = new Dictionary<string, string?>(environment) { ["WHOAMI_TEST_PASSWORD"] = password };
        return Run.ProcessAsync("sh", ["-c", $"printf %s \"$WHOAMI_TEST_PASSWORD\" | docker login {registry.Host} -u {registry.User} --password-stdin"],
            TimeSpan.FromMinutes(1), withPassword);
    }

    /// <summary>The pushed image is the one the SDK path loads locally: the same config but for the base's registry,
    /// the times and the app layer's digest, and the same binary in that layer. SDK 10 stamps every layer entry with
    /// the time it wrote it, so two publishes of one commit differ in that digest (dotnet/sdk#55689, merged for SDK 11).</summary>
    async Task AssertSameAsLocalSdkImageAsync(string image, string baseRegistry)
    {
        var local = await images.SdkImage;
        Assert.Equal(await LocalConfigAsync(local, withoutAppLayer: true), await PushedConfigAsync(image, baseRegistry, withoutAppLayer: true));
        var pushed = await registries.PulledImageAsync(image);
        Assert.Equal(await Docker.ReadFileAsync(local, "/app/WhoAmI"), await pushed.ReadFileAsync("/app/WhoAmI"));
    }

    /// <summary>The image config the target registry serves for REPOSITORY:TAG, having checked that it names the base
    /// image as pulled from <paramref name="baseRegistry"/>; without that name and the creation times.</summary>
    async Task<string> PushedConfigAsync(string image, string baseRegistry, bool withoutAppLayer = false)
    {
        var config = JsonNode.Parse(await registries.SkopeoAsync(registries.Target, "inspect", "--config", $"docker://{registries.Target.Host}/{image}"))!;
        Assert.Equal($"{baseRegistry}/{BuildFacts.BaseImageName}", (string?)config["config"]?["Labels"]?[BaseNameLabel]);
        return Comparable(config, withoutAppLayer);
    }

    /// <summary>The config of an image in the local engine, without the base image's name and the creation times.</summary>
    static async Task<string> LocalConfigAsync(string image, bool withoutAppLayer = false) =>
        Comparable(JsonNode.Parse(await Docker.RunAsync(["inspect", "--config", $"docker-daemon:{image}"], null, "skopeo"))!, withoutAppLayer);

    const string BaseNameLabel = "org.opencontainers.image.base.name";

    /// <summary>What two builds from one source and one base share: all but the base's registry and the times.</summary>
    static string Comparable(JsonNode config, bool withoutAppLayer)
    {
        var json = config.AsObject();
        if (withoutAppLayer)
        {
            var layers = json["rootfs"]!["diff_ids"]!.AsArray();
            layers.RemoveAt(layers.Count - 1);
        }

        json["config"]?["Labels"]?.AsObject().Remove(BaseNameLabel);
        json.Remove("created");
        foreach (var entry in json["history"]?.AsArray() ?? [])
        {
            entry!.AsObject().Remove("created");
        }

        return json.ToJsonString();
    }
}
