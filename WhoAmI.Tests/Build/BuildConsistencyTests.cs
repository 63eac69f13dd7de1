using System.Text.Json;
using System.Text.RegularExpressions;

namespace WhoAmI.Tests.Build;

/// <summary>
/// Each build fact (base image, version, port, architectures) is written once per language: in WhoAmI.csproj, as a
/// Dockerfile ARG default, in C#. These tests keep the copies from drifting apart, and the two image paths alike.
/// </summary>
public sealed partial class BuildConsistencyTests
{
    static readonly string Dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "Dockerfile"));

    const string Digest = "sha256:2dade1d785993814a771af556f07338afe89649f983ac366dbf3307235e7c365";

    [Theory]
    [InlineData(null, null)]
    [InlineData("localhost:5000", null)]
    [InlineData("localhost:5000", Digest)]
    public async Task Csproj_and_dockerfile_name_the_same_base_image(string? registry, string? digest)
    {
        string[] args = [.. registry is null ? [] : new[] { $"-p:BaseImageRegistry={registry}" }, .. digest is null ? [] : new[] { $"-p:BaseImageDigest={digest}" }];
        var fromCsproj = await MsBuildPropertyAsync("ContainerBaseImage", args);

        Assert.Equal(fromCsproj, FinalBaseImageInDockerfile(registry, digest));
    }

    [Fact]
    public void The_default_port_is_the_same_in_the_csproj_the_dockerfile_and_the_binary()
    {
        Assert.Equal(ListenAddress.DefaultPort, BuildFacts.HttpPort);
        Assert.Equal($"{BuildFacts.HttpPort}", BuildFacts.DockerfileArgument("HTTP_PORT"));
        Assert.Matches(@"(?m)^ENV ASPNETCORE_HTTP_PORTS=\$\{HTTP_PORT\}$", Dockerfile);
        Assert.Matches(@"(?m)^EXPOSE \$\{HTTP_PORT\}$", Dockerfile);
    }

    [Fact]
    public void The_image_tag_is_the_versions_major_and_minor_and_a_release_adds_the_version_and_latest()
    {
        Assert.Equal(string.Join('.', BuildFacts.Version.Split('.')[..2]), BuildFacts.ImageTag);
        Assert.Equal([BuildFacts.Version, BuildFacts.ImageTag, "latest"], BuildFacts.ReleaseTags);
    }

    [Theory]
    [InlineData("deploy/compose.yaml")]
    [InlineData("deploy/stack.yaml")]
    public void Deploy_files_default_to_the_image_the_sdk_path_tags(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, file));

        Assert.Equal([BuildFacts.Image], Regex.Matches(text, @"\$\{WHOAMI_IMAGE:-([^}]+)\}").Select(m => m.Groups[1].Value).Distinct());
    }

    [Fact]
    public void Ci_installs_the_cross_toolchain_of_every_architecture_this_machine_does_not_run()
    {
        var ci = File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".ci", "run"));

        foreach (var architecture in NativeToolchain.Foreign)
        {
            foreach (var package in new[] { $"gcc-{architecture.GnuTriplet}", $"binutils-{architecture.GnuTriplet}", $"libc6-dev-{architecture.DockerArchitecture}-cross" })
            {
                Assert.True(Regex.IsMatch(ci, $@"\s{Regex.Escape(package)}\s"), $".ci/run does not install {package} for {architecture.RuntimeIdentifier}");
            }
        }
    }

    [Fact]
    public async Task An_architecture_outside_the_csprojs_list_is_refused_in_one_line()
    {
        var (exitCode, output) = await Run.ProcessAsync("dotnet", ["msbuild", Path.Combine(RepositoryRoot.Path, "WhoAmI", "WhoAmI.csproj"),
            "-t:WhoAmICheckArchitecture", "-p:RuntimeIdentifier=linux-riscv64"], TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"error : WhoAmI builds {string.Join(" and ", BuildFacts.Architectures.Select(a => a.RuntimeIdentifier))}, not linux-riscv64", output);
    }

    [Fact]
    public async Task A_malformed_base_digest_is_refused_before_anything_is_built()
    {
        var (exitCode, output) = await Run.ProcessAsync("dotnet", ["build", Path.Combine(RepositoryRoot.Path, "WhoAmI"), "-p:BaseImageDigest=sha256:abc"],
            TimeSpan.FromMinutes(3));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("BaseImageDigest 'sha256:abc' is not a digest", output);
    }

    /// <summary>A build from a git checkout labels the image with its commit and its origin, credentials and
    /// <c>.git</c> stripped, with nothing passed by hand.</summary>
    [Fact]
    public async Task Source_and_revision_come_from_git_with_credentials_stripped()
    {
        Assert.SkipUnless((await Run.ProcessAsync("git", ["--version"], TimeSpan.FromSeconds(30))).ExitCode == 0,
            "needs git: Debian/Ubuntu `sudo apt-get install git`");
        var clone = Directory.CreateTempSubdirectory("whoami-git-").FullName;
        try
        {
            Assert.Equal(0, (await Run.ProcessAsync("git", ["clone", "-q", RepositoryRoot.Path, clone], TimeSpan.FromMinutes(2))).ExitCode);
            await Run.ProcessAsync("git", ["-C", clone, "remote", "set-url", "origin", "https://builder:s3cret@git.example.invalid/team/whoami.git"], TimeSpan.FromSeconds(30));
            var head = (await Run.ProcessAsync("git", ["-C", clone, "rev-parse", "HEAD"], TimeSpan.FromSeconds(30))).Output.Trim();

            var (exitCode, output) = await Run.ProcessAsync("dotnet", ["msbuild", Path.Combine(clone, "WhoAmI", "WhoAmI.csproj"),
                "-t:WhoAmISourceInformation", "-getProperty:WhoAmISourceUrl", "-getProperty:WhoAmISourceRevision"], TimeSpan.FromMinutes(3));

            Assert.True(exitCode == 0, output);
            using var json = JsonDocument.Parse(output[output.IndexOf('{')..]);
            var properties = json.RootElement.GetProperty("Properties");
            Assert.Equal("https://git.example.invalid/team/whoami", properties.GetProperty("WhoAmISourceUrl").GetString());
            Assert.Equal(head, properties.GetProperty("WhoAmISourceRevision").GetString());
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }

    [Fact]
    public async Task Dockerfile_labels_say_what_the_csproj_says()
    {
        var labels = LabelPattern().Matches(Dockerfile).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);

        Assert.Equal(await MsBuildPropertyAsync("ContainerTitle", []), labels["org.opencontainers.image.title"]);
        Assert.Equal(await MsBuildPropertyAsync("Description", []), labels["org.opencontainers.image.description"]);
        Assert.Equal(await MsBuildPropertyAsync("Description", []), labels["org.opencontainers.artifact.description"]);
        Assert.Equal(await MsBuildPropertyAsync("Version", []), labels["org.opencontainers.image.version"]);
        Assert.Equal(await MsBuildPropertyAsync("PackageLicenseExpression", []), labels["org.opencontainers.image.licenses"]);
    }

    /// <summary>The last FROM line, with the BASE_IMAGE_* arguments replaced as docker build would.</summary>
    static string FinalBaseImageInDockerfile(string? registry, string? digest)
    {
        var from = Regex.Matches(Dockerfile, @"^FROM (\S+)", RegexOptions.Multiline).Last().Groups[1].Value;
        return from.Replace("${BASE_IMAGE_REGISTRY}", registry ?? BuildFacts.DockerfileArgument("BASE_IMAGE_REGISTRY"))
            .Replace("${BASE_IMAGE_NAME}", BuildFacts.DockerfileArgument("BASE_IMAGE_NAME"))
            .Replace("${BASE_IMAGE_DIGEST:+@}", digest is null ? "" : "@").Replace("${BASE_IMAGE_DIGEST}", digest ?? "");
    }

    static async Task<string> MsBuildPropertyAsync(string name, string[] args)
    {
        var (exitCode, output) = await Run.ProcessAsync("dotnet",
            ["msbuild", Path.Combine(RepositoryRoot.Path, "WhoAmI", "WhoAmI.csproj"), $"-getProperty:{name}", .. args], TimeSpan.FromMinutes(2));
        Assert.Equal(0, exitCode);
        return output.Trim();
    }

    [GeneratedRegex(@"(?<key>org\.opencontainers\.[a-z.]+)=""(?<value>[^""]*)""")]
    private static partial Regex LabelPattern();
}
