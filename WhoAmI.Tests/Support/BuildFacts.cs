using System.Text.Json;
using System.Text.RegularExpressions;

namespace WhoAmI.Tests.Support;

/// <summary>
/// What WhoAmI.csproj says about the image (version, tag, base image, port, architectures), read once through
/// <c>dotnet msbuild -getProperty/-getItem</c>, so that no test keeps a copy of its own that could go stale; and the
/// Dockerfile's <c>ARG</c> defaults, which BuildConsistencyTests holds against it.
/// </summary>
public static class BuildFacts
{
    /// <summary>One architecture an image is built for, in each consumer's name.</summary>
    public sealed record Architecture(string RuntimeIdentifier, string DockerPlatform, string GnuTriplet, int ElfMachine)
    {
        /// <summary>Docker's (and Debian's) name: amd64, arm64.</summary>
        public string DockerArchitecture => DockerPlatform.Split('/')[1];
    }

    /// <summary>The arguments that make a publish tag as a release does.</summary>
    public static readonly string[] ReleaseTagArguments = ["-p:WhoAmIReleaseTags=true"];

    static readonly Lazy<(Dictionary<string, string> Properties, Architecture[] Architectures)> Facts = new(() => Read([]));
    static readonly Lazy<string> ReleaseFacts = new(() => Read(ReleaseTagArguments).Properties["ContainerImageTags"]);

    public static string Version => Facts.Value.Properties["Version"];

    /// <summary>The csproj's <c>ContainerImageTag</c>, the one tag a plain <c>dotnet publish -t:PublishContainer</c> gives: 2.0.</summary>
    public static string ImageTag => Facts.Value.Properties["ContainerImageTag"];

    /// <summary>The tags a release pushes (<c>-p:WhoAmIReleaseTags=true</c>, as release.yml passes it): 2.0.0, 2.0, latest.</summary>
    public static IReadOnlyList<string> ReleaseTags => ReleaseFacts.Value.Split(';');


    /// <summary>The image the SDK path loads into the engine: whoami:2.0.</summary>
    public static string Image => $"{Facts.Value.Properties["ContainerRepository"]}:{ImageTag}";

    /// <summary>The base image without its registry: dotnet/runtime-deps:10.0-noble-chiseled.</summary>
    public static string BaseImageName => Facts.Value.Properties["BaseImageName"];

    public static int HttpPort => int.Parse(Facts.Value.Properties["WhoAmIHttpPort"], System.Globalization.CultureInfo.InvariantCulture);

    public static IReadOnlyList<Architecture> Architectures => Facts.Value.Architectures;

    /// <summary>The -aot SDK image the Dockerfile builds in, without its registry: named there only.</summary>
    public static string SdkImageName => DockerfileArgument("SDK_IMAGE_NAME");

    /// <summary>The default of an <c>ARG NAME=default</c> line of the Dockerfile.</summary>
    public static string DockerfileArgument(string name)
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "Dockerfile"));
        var match = Regex.Match(dockerfile, $@"^ARG {Regex.Escape(name)}=(\S*)$", RegexOptions.Multiline);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"the Dockerfile has no ARG {name}=… line");
    }

    static (Dictionary<string, string> Properties, Architecture[] Architectures) Read(string[] arguments)
    {
        string[] properties = ["Version", "ContainerImageTag", "ContainerImageTags", "ContainerRepository", "BaseImageName", "WhoAmIHttpPort"];
        var (exitCode, output) = Run.ProcessAsync("dotnet", ["msbuild", Path.Combine(RepositoryRoot.Path, "WhoAmI", "WhoAmI.csproj"), .. arguments,
            .. properties.Select(p => $"-getProperty:{p}"), "-getItem:WhoAmIArchitecture"], TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"dotnet msbuild could not read WhoAmI.csproj: {output}");
        }

        using var json = JsonDocument.Parse(output[output.IndexOf('{')..]);
        var values = json.RootElement.GetProperty("Properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        var architectures = json.RootElement.GetProperty("Items").GetProperty("WhoAmIArchitecture").EnumerateArray()
            .Select(a => new Architecture(a.GetProperty("Identity").GetString()!, a.GetProperty("DockerPlatform").GetString()!,
                a.GetProperty("GnuTriplet").GetString()!, int.Parse(a.GetProperty("ElfMachine").GetString()!, System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();
        return (values, architectures);
    }
}
