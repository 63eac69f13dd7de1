using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace WhoAmI.Tests.Containers;

/// <summary>The images both paths make, built and run on a real Docker engine. Run alone with
/// <c>dotnet test --filter-trait "Category=Container"</c>.</summary>
[Trait("Category", "Container")]
[Collection(ContainerCollection.Name)]
public sealed class ContainerTests(ContainerImages images)
{

    async Task<string> ImageAsync(Func<ContainerImages, Task<string>> which)
    {
        images.SkipUnlessAvailable();
        return await which(images);
    }

    public static TheoryData<string> SmallImages => ["sdk", "dockerfile", "buildkit"];

    Task<string> SmallImageAsync(string path) => ImageAsync(path switch
    {
        "sdk" => i => i.SdkImage,
        "dockerfile" => i => i.DockerfileImage,
        "buildkit" => i => i.BuildKitImage,
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    });

    [Theory]
    [MemberData(nameof(SmallImages))]
    public async Task Container_answers_whoami_with_its_own_host_name(string path)
    {
        await using var container = await Docker.StartAsync(await SmallImageAsync(path), "web-1.example.internal");

        var response = await container.Client.GetAsync("/whoami", Cancel);

        Assert.Equal("web-1.example.internal", await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Sdk_path_loads_whoami_at_its_major_minor_tag_into_the_local_docker()
    {
        await ImageAsync(i => i.SdkImage);

        var (config, _) = await Docker.InspectImageAsync(BuildFacts.Image);

        Assert.Equal(["/app/WhoAmI"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [MemberData(nameof(SmallImages))]
    public async Task Image_runs_as_the_non_root_app_user_on_the_default_port_with_an_exec_form_entrypoint_and_the_oci_labels(string path)
    {
        var (config, _) = await Docker.InspectImageAsync(await SmallImageAsync(path));

        Assert.Equal("1654", config.GetProperty("User").GetString());
        Assert.Equal(ListenAddress.DefaultPort, BuildFacts.HttpPort);
        Assert.Equal([$"{BuildFacts.HttpPort}/tcp"], config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name));
        // The image says where to listen itself, so the binary's default and the container's cannot drift apart.
        Assert.Contains($"ASPNETCORE_HTTP_PORTS={BuildFacts.HttpPort}", config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["/app/WhoAmI"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("/app", config.GetProperty("WorkingDir").GetString()!.TrimEnd('/'));
        var labels = Docker.Labels(config);
        Assert.Equal("WhoAmI", labels["org.opencontainers.image.title"]);
        Assert.Equal(BuildFacts.Version, labels["org.opencontainers.image.version"]);
        Assert.Equal("MIT", labels["org.opencontainers.image.licenses"]);
        Assert.Equal(ContainerImages.SourceUrl, labels["org.opencontainers.image.source"]);
        Assert.Equal(ContainerImages.SourceRevision, labels["org.opencontainers.image.revision"]);
        Assert.StartsWith("Answers GET /whoami", labels["org.opencontainers.image.description"]);
    }

    [Fact]
    public async Task Dockerfile_reproduces_the_sdk_image_config_and_size_within_5_percent()
    {
        var (sdk, sdkSize) = await Docker.InspectImageAsync(await ImageAsync(i => i.SdkImage));
        var (dockerfile, dockerfileSize) = await Docker.InspectImageAsync(await ImageAsync(i => i.DockerfileImage));

        foreach (var property in new[] { "User", "Entrypoint", "ExposedPorts", "Env" })
        {
            Assert.Equal(sdk.GetProperty(property).ToString(), dockerfile.GetProperty(property).ToString());
        }

        Assert.Equal(sdk.GetProperty("WorkingDir").GetString()!.TrimEnd('/'), dockerfile.GetProperty("WorkingDir").GetString()!.TrimEnd('/'));
        Assert.Equal(OciLabels(sdk), OciLabels(dockerfile));
        TestContext.Current.SendDiagnosticMessage($"sizes: SDK path {sdkSize} B, Dockerfile {dockerfileSize} B");
        Assert.InRange((double)dockerfileSize / sdkSize, 0.95, 1.05);
    }

    [Theory]
    [MemberData(nameof(SmallImages))]
    public async Task Image_holds_no_shell_and_no_package_manager(string path)
    {
        var image = await SmallImageAsync(path);

        Assert.NotEqual(0, await Docker.ExitCodeAsync("run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "true"));
        var files = await FilesInAsync(image);
        Assert.Contains("app/WhoAmI", files);
        foreach (var tool in new[] { "bin/sh", "bin/bash", "bin/dash", "bin/busybox", "usr/bin/apt", "usr/bin/apt-get", "usr/bin/dpkg", "bin/dpkg" })
        {
            Assert.DoesNotContain(tool, files);
            Assert.DoesNotContain("usr/" + tool, files);
        }
    }

    [Theory]
    [MemberData(nameof(SmallImages))]
    public async Task Image_runs_unchanged_read_only_without_capabilities_or_new_privileges(string path)
    {
        await using var container = await Docker.StartAsync(await SmallImageAsync(path), "locked-down.example.internal",
            options: ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]);

        Assert.Equal("locked-down.example.internal", await container.Client.GetStringAsync("/whoami", Cancel));
    }

    [Theory]
    [MemberData(nameof(SmallImages))]
    public async Task Docker_stop_exits_with_code_0_in_under_2_seconds(string path)
    {
        await using var container = await Docker.StartAsync(await SmallImageAsync(path));

        var clock = Stopwatch.StartNew();
        await Docker.RunAsync("stop", container.Name);
        clock.Stop();

        Assert.Equal("0", await Docker.RunAsync("inspect", "-f", "{{.State.ExitCode}}", container.Name));
        TestContext.Current.SendDiagnosticMessage($"docker stop ({path}): {clock.ElapsedMilliseconds} ms");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"docker stop took {clock.Elapsed}");
    }

    [Fact]
    public async Task Docker_stop_lets_a_request_in_flight_complete()
    {
        await using var container = await Docker.StartAsync(await ImageAsync(i => i.DockerfileImage));
        var inFlight = container.Client.GetAsync("/api?wait=3s", Cancel);
        await Task.Delay(500, Cancel);
        await Docker.RunAsync("stop", container.Name);

        Assert.Equal(HttpStatusCode.OK, (await inFlight).StatusCode);
        Assert.Equal("0", await Docker.RunAsync("inspect", "-f", "{{.State.ExitCode}}", container.Name));
    }

    [Fact]
    public async Task Dockerfile_healthcheck_reports_healthy_without_a_shell()
    {
        await using var container = await Docker.StartAsync(await ImageAsync(i => i.DockerfileImage),
            options: ["--health-interval", "1s", "--health-start-period", "0s"]);

        Assert.Equal("healthy", await HealthStatusAsync(container.Name, "healthy"));
    }

    /// <summary>A HEALTHCHECK runs <c>WhoAmI --probe</c> with none of the server's flags: the probe reads them
    /// back from PID 1, the server, so a container started on another port is still reported healthy.</summary>
    [Fact]
    public async Task Dockerfile_healthcheck_follows_the_port_given_on_the_server_command_line()
    {
        await using var container = await Docker.StartAsync(await ImageAsync(i => i.DockerfileImage),
            options: ["--health-interval", "1s", "--health-start-period", "0s"], args: ["--urls", "http://+:9000"], port: 9000);

        Assert.Equal("healthy", await HealthStatusAsync(container.Name, "healthy"));
        Assert.Equal("healthy", await Docker.RunAsync("exec", container.Name, "/app/WhoAmI", "--probe"));
        await container.Client.PostAsync("/health", new StringContent("503"), Cancel);
        Assert.Equal(1, await Docker.ExitCodeAsync("exec", container.Name, "/app/WhoAmI", "--probe"));
        Assert.Equal("unhealthy", await HealthStatusAsync(container.Name, "unhealthy"));
    }

    /// <summary>A platform (Cloud Run, Heroku, Fly) says where to listen with <c>PORT</c>, over the image's own
    /// <c>ASPNETCORE_HTTP_PORTS</c>; the probe shares the container's environment and follows it.</summary>
    [Theory]
    [MemberData(nameof(SmallImages))]
    public async Task A_platforms_port_variable_moves_the_listener_and_the_healthcheck_follows(string path)
    {
        await using var container = await Docker.StartAsync(await SmallImageAsync(path),
            options: ["-e", "PORT=9000", "--health-interval", "1s", "--health-start-period", "0s"], port: 9000);

        Assert.Equal(HttpStatusCode.OK, (await container.Client.GetAsync("/whoami", Cancel)).StatusCode);
        Assert.Equal("healthy", await Docker.RunAsync("exec", container.Name, "/app/WhoAmI", "--probe"));
        if (path != "sdk")
        {
            // The SDK cannot write a HEALTHCHECK into an image; the Dockerfile's runs the same probe.
            Assert.Equal("healthy", await HealthStatusAsync(container.Name, "healthy"));
        }
    }

    [Fact]
    public async Task Image_serves_https_and_http2_from_a_certificate_mounted_read_only_and_stays_healthy()
    {
        using var certificates = new TestCertificates();
        await using var container = await Docker.StartAsync(await ImageAsync(i => i.DockerfileImage), "tls.example.internal",
            options: ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "-v", $"{certificates.Directory}:/certs:ro",
                "--health-interval", "1s", "--health-start-period", "0s"],
            args: ["--cert", "/certs/server.pem", "--key", "/certs/server.key"],
            tlsHandler: certificates.Handler());

        var response = await container.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Get, "/whoami") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact }, Cancel);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("tls.example.internal", await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("healthy", await HealthStatusAsync(container.Name, "healthy"));
    }

    /// <summary>Docker's health status once it reads <paramref name="expected"/>, or what it reads after 15 s.</summary>
    static async Task<string> HealthStatusAsync(string container, string expected)
    {
        var status = "";
        for (var attempt = 0; attempt < 60 && status != expected; attempt++)
        {
            await Task.Delay(250, Cancel);
            status = await Docker.RunAsync("inspect", "-f", "{{.State.Health.Status}}", container);
        }

        return status;
    }

    [Fact]
    public async Task Build_stage_alone_is_the_fat_single_stage_image_and_it_answers_too()
    {
        var fat = await ImageAsync(i => i.BuildStageImage);
        var (_, fatSize) = await Docker.InspectImageAsync(fat);
        var (_, smallSize) = await Docker.InspectImageAsync(await ImageAsync(i => i.DockerfileImage));

        await using var container = await Docker.StartAsync(fat, "fat.example.internal");

        Assert.Equal("fat.example.internal", await container.Client.GetStringAsync("/whoami", Cancel));
        TestContext.Current.SendDiagnosticMessage($"build stage {fatSize} B, final {smallSize} B");
        Assert.True(fatSize > 20 * smallSize, $"build stage {fatSize} B is not far bigger than the final image {smallSize} B");
    }

    [Fact]
    public async Task Archive_output_writes_a_tarball_that_docker_loads_and_runs()
    {
        var archive = await ImageAsync(i => i.ArchivePath);

        Assert.True(new FileInfo(archive).Length > 1_000_000);
        await Docker.RunAsync("load", "-i", archive);
        await using var container = await Docker.StartAsync($"whoami-test-archive:{BuildFacts.ImageTag}", "archive.example.internal");

        Assert.Equal("archive.example.internal", await container.Client.GetStringAsync("/whoami", Cancel));
    }

    [Fact]
    public async Task Without_native_aot_the_sdk_path_makes_a_trimmed_self_contained_image_on_the_same_base()
    {
        var trimmed = await ImageAsync(i => i.TrimmedImage);
        var (config, _) = await Docker.InspectImageAsync(trimmed);
        var (sdk, _) = await Docker.InspectImageAsync(await ImageAsync(i => i.SdkImage));

        Assert.Equal(sdk.GetProperty("User").ToString(), config.GetProperty("User").ToString());
        Assert.Equal(sdk.GetProperty("Entrypoint").ToString(), config.GetProperty("Entrypoint").ToString());
        Assert.Contains("app/WhoAmI.dll", await FilesInAsync(trimmed));
        await using var container = await Docker.StartAsync(trimmed, "trimmed.example.internal");
        Assert.Equal("trimmed.example.internal", await container.Client.GetStringAsync("/whoami", Cancel));
    }

    static string OciLabels(JsonElement config) =>
        string.Join('\n', Docker.Labels(config).Where(l => l.Key.StartsWith("org.opencontainers.image.", StringComparison.Ordinal)
            && l.Key != "org.opencontainers.image.base.digest").OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>Every path in the image's file system, read from <c>docker export</c>: no shell needed inside.</summary>
    static async Task<HashSet<string>> FilesInAsync(string image)
    {
        var container = await Docker.RunAsync("create", image);
        try
        {
            var tar = Path.Combine(Path.GetTempPath(), $"{container}.tar");
            await Docker.RunAsync("export", "-o", tar, container);
            try
            {
                var files = new HashSet<string>();
                await using var reader = new TarReader(File.OpenRead(tar));
                while (await reader.GetNextEntryAsync() is { } entry)
                {
                    files.Add(entry.Name.TrimStart('.', '/').TrimEnd('/'));
                }

                return files;
            }
            finally
            {
                File.Delete(tar);
            }
        }
        finally
        {
            await Docker.RunAsync("rm", container);
        }
    }
}
