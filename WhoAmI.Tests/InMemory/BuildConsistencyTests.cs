using System.Text.RegularExpressions;

namespace WhoAmI.Tests.InMemory;

/// <summary>The two image paths are declared in two files; these tests keep them from drifting apart.</summary>
public sealed partial class BuildConsistencyTests
{
    static readonly string Dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "Dockerfile"));

    [Theory]
    [InlineData(null)]
    [InlineData("localhost:5000")]
    public async Task Csproj_and_dockerfile_name_the_same_base_image(string? registry)
    {
        var fromCsproj = await MsBuildPropertyAsync("ContainerBaseImage", registry is null ? [] : [$"-p:BaseImageRegistry={registry}"]);

        Assert.Equal(fromCsproj, FinalBaseImageInDockerfile(registry));
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

    /// <summary>The last FROM line, with the BASE_IMAGE_REGISTRY argument replaced as docker build would.</summary>
    static string FinalBaseImageInDockerfile(string? registry)
    {
        var defaultRegistry = Regex.Match(Dockerfile, @"^ARG BASE_IMAGE_REGISTRY=(\S+)$", RegexOptions.Multiline).Groups[1].Value;
        var from = Regex.Matches(Dockerfile, @"^FROM (\S+)", RegexOptions.Multiline).Last().Groups[1].Value;
        return from.Replace("${BASE_IMAGE_REGISTRY}", registry ?? defaultRegistry);
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
