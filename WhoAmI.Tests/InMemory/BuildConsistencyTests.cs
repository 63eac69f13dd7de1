using System.Text.Json;
using System.Text.RegularExpressions;

namespace WhoAmI.Tests.InMemory;

/// <summary>The two image paths are declared in two files; these tests keep them from drifting apart.</summary>
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

    /// <summary>The last FROM line, with the BASE_IMAGE_REGISTRY and BASE_IMAGE_DIGEST arguments replaced as docker build would.</summary>
    static string FinalBaseImageInDockerfile(string? registry, string? digest)
    {
        var defaultRegistry = Regex.Match(Dockerfile, @"^ARG BASE_IMAGE_REGISTRY=(\S+)$", RegexOptions.Multiline).Groups[1].Value;
        var from = Regex.Matches(Dockerfile, @"^FROM (\S+)", RegexOptions.Multiline).Last().Groups[1].Value;
        return from.Replace("${BASE_IMAGE_REGISTRY}", registry ?? defaultRegistry)
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
