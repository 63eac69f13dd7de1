namespace WhoAmI.Tests.Containers;

/// <summary>
/// Both paths on real Podman (Debian 12's 4.3, rootful): <c>podman build</c> of the Dockerfile, and the SDK loading
/// its image into Podman with <c>-p:LocalRegistry=Podman</c> (case-sensitive: <c>podman</c> fails with CONTAINER2002).
/// Each image runs under Podman, answers <c>/whoami</c> with the container's host name, and passes its health check there. Podman keeps a Dockerfile's
/// <c>HEALTHCHECK</c> only in Docker-format images (<c>podman build --format docker</c>; the OCI format, its default,
/// has no field for it); the SDK writes none, so its image is run with <c>--health-cmd</c> (docs/containers.md).
/// </summary>
[Trait("Category", "Podman")]
[Collection(ContainerCollection.Name)]
public sealed class PodmanTests(ContainerImages images)
{
    async Task SkipUnlessAvailableAsync()
    {
        images.SkipUnlessAvailable();
        var missing = await Podman.MissingReasonAsync();
        Assert.SkipWhen(missing is not null, $"Podman group left out: {missing}");
    }

    [Fact]
    public async Task Podman_builds_the_dockerfile_into_an_image_that_answers_with_the_containers_host_name_and_reports_healthy()
    {
        await SkipUnlessAvailableAsync();
        const string image = "localhost/whoami-test-podman:dockerfile";
        // --format docker keeps the HEALTHCHECK; --tls-verify=false for the plain-HTTP mirror on localhost.
        await Podman.RunAsync([.. ContainerImages.BuildArguments(image), "--format", "docker", "--tls-verify=false", RepositoryRoot.Path]);

        Assert.Contains("--probe", await Podman.RunAsync("image", "inspect", "--format", "{{.HealthCheck.Test}}", image), StringComparison.Ordinal);
        await AnswersAndIsHealthyAsync(image, "podman-1.example.internal");
    }

    [Fact]
    public async Task Sdk_loads_its_image_into_podman_where_it_answers_with_the_containers_host_name_and_passes_a_health_command()
    {
        await SkipUnlessAvailableAsync();
        ContainerImages.SkipUnlessNativeToolchain();
        await Publish.RunAsync("container", ["-t:PublishContainer", "-p:LocalRegistry=Podman", $"-p:BaseImageRegistry={ContainerEngine.Registry}",
            "-p:ContainerRepository=whoami-test-podman-sdk"], Podman.Environment);

        var image = $"localhost/whoami-test-podman-sdk:{BuildFacts.ImageTag}";
        // A plain publish tags the csproj's ContainerImageTag alone; only a release adds the version and latest.
        Assert.Equal([BuildFacts.ImageTag], (await Podman.RunAsync("images", "--format", "{{.Tag}}", "localhost/whoami-test-podman-sdk")).Split('\n'));
        await AnswersAndIsHealthyAsync(image, "podman-2.example.internal", "--health-cmd", "[\"/app/WhoAmI\", \"--probe\"]");
    }

    /// <summary>dotnet/sdk#52634 (fixed for .NET 11 by dotnet/sdk#53333 and #54614): SDK 10 loads no multi-arch image
    /// into Podman, only each platform's under TAG-RID. When this fails on a newer SDK, docs/containers.md's "Podman"
    /// section and this test are out of date.</summary>
    [Fact]
    public async Task Sdk_10_loads_both_platforms_into_podman_only_as_separate_tag_rid_images()
    {
        await SkipUnlessAvailableAsync();
        ContainerImages.SkipUnlessNativeToolchain();
        Assert.SkipWhen(NativeToolchain.CrossMissingReason is not null, $"the SDK path's multi-arch build: {NativeToolchain.CrossMissingReason}");
        const string repository = "whoami-test-podman-multiarch";
        var rids = BuildFacts.Architectures.Select(a => a.RuntimeIdentifier).ToList();
        await Publish.RunAsync("multiarch", ["-t:PublishContainer", "-p:LocalRegistry=Podman", $"-p:ContainerRuntimeIdentifiers=\"{string.Join(';', rids)}\"",
            $"-p:BaseImageRegistry={ContainerEngine.Registry}", $"-p:ContainerRepository={repository}"], Podman.Environment);

        var tags = (await Podman.RunAsync("images", "--format", "{{.Tag}}", $"localhost/{repository}")).Split('\n').Order();

        Assert.Equal(rids.Select(r => $"{BuildFacts.ImageTag}-{r}").Order(), tags);
    }

    static async Task AnswersAndIsHealthyAsync(string image, string hostName, params string[] options)
    {
        await using var container = await Podman.StartAsync(image, hostName, options);

        Assert.Equal(hostName, await container.Client.GetStringAsync("/whoami", Cancel));
        // Podman schedules health checks with systemd timers; `podman healthcheck run` runs one now, anywhere.
        Assert.Equal(0, await Podman.ExitCodeAsync("healthcheck", "run", container.Name));
    }
}
