using System.Text;
using System.Text.Json;
using WhoAmI.Tests.Containers;

namespace WhoAmI.Tests.Registries;

/// <summary>
/// WhoAmI/build/check-registry.cs looks up registry credentials the way the SDK's container tooling does, to say before
/// a push what the SDK would fail on. Held here to the SDK itself: for each place credentials can come from, the check
/// is run alone and the SDK pushes with the check turned off (-p:WhoAmICheckRegistry=false), and the two must agree on
/// whether credentials were found. The base comes from the mirror registry, which wants a login of its own.
/// </summary>
[Trait("Category", "Registry")]
[Collection(ContainerCollection.Name)]
public sealed class CredentialLookupTests(ContainerImages images, TlsRegistries registries) : IClassFixture<TlsRegistries>
{
    const string Helper = "whoamitest";

    /// <summary>Where the base registry's credentials come from; the registry pushed to gets its own from the
    /// DOTNET_CONTAINER_PUSH_REGISTRY pair throughout.</summary>
    [Theory]
    [InlineData("DOTNET_CONTAINER_PULL_REGISTRY_UNAME/PWORD")]
    [InlineData("SDK_CONTAINER_PULL_REGISTRY_UNAME/PWORD")]
    [InlineData("Docker config auths, auth")]
    [InlineData("Docker config auths, username and password")]
    [InlineData("Docker config auths, under https://")]
    [InlineData("Docker config credHelpers")]
    [InlineData("Docker config credsStore")]
    [InlineData("Docker config credHelpers, the helper not installed")]
    [InlineData("Docker config credsStore, an auths entry beside it")]
    [InlineData("Podman's auth.json under XDG_RUNTIME_DIR")]
    [InlineData("none")]
    public async Task The_check_finds_the_base_registrys_credentials_exactly_when_the_sdk_does(string source)
    {
        SkipUnlessAvailable();
        var (target, mirror) = (registries.Target, registries.Mirror);
        var environment = registries.Environment(("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", target.User), ("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD", target.Password));
        var entry = new Dictionary<string, string> { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(mirror.Credentials)) };
        switch (source)
        {
            case "DOTNET_CONTAINER_PULL_REGISTRY_UNAME/PWORD" or "SDK_CONTAINER_PULL_REGISTRY_UNAME/PWORD":
                var prefix = source.Split('/')[0][..^"_UNAME".Length];
                environment[$"{prefix}_UNAME"] = mirror.User;
                environment[$"{prefix}_PWORD"] = mirror.Password;
                break;
            case "Docker config auths, auth":
                WriteDockerConfig(environment, new { auths = new Dictionary<string, object> { [mirror.Host] = entry } });
                break;
            case "Docker config auths, username and password":
                WriteDockerConfig(environment, new { auths = new Dictionary<string, object> { [mirror.Host] = new { username = mirror.User, password = mirror.Password } } });
                break;
            case "Docker config auths, under https://":
                WriteDockerConfig(environment, new { auths = new Dictionary<string, object> { [$"https://{mirror.Host}"] = entry } });
                break;
            case "Docker config credHelpers":
                WriteDockerConfig(environment, new { credHelpers = new Dictionary<string, string> { [mirror.Host] = Helper } });
                InstallHelper(environment, mirror);
                break;
            case "Docker config credsStore":
                WriteDockerConfig(environment, new { credsStore = Helper });
                InstallHelper(environment, mirror);
                break;
            case "Docker config credsStore, an auths entry beside it": // the store is asked first, and does not know the registry
                WriteDockerConfig(environment, new { credsStore = Helper, auths = new Dictionary<string, object> { [mirror.Host] = entry } });
                InstallHelper(environment, target);
                break;
            case "Podman's auth.json under XDG_RUNTIME_DIR": // podman login writes it there
                var runtime = Directory.CreateDirectory(Path.Combine(environment["DOCKER_CONFIG"]!, "run", "containers")).FullName;
                File.WriteAllText(Path.Combine(runtime, "auth.json"), JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [mirror.Host] = entry } }));
                environment["XDG_RUNTIME_DIR"] = Path.GetDirectoryName(runtime);
                break;
            case "Docker config credHelpers, the helper not installed":
                WriteDockerConfig(environment, new { credHelpers = new Dictionary<string, string> { [mirror.Host] = "whoami-absent" } });
                break;
        }

        var repository = $"whoami-credentials-{Slug(source)}";
        var (checkExit, checkOutput) = await CheckAsync(environment, mirror.Host, target.Host, repository, ContainerImages.SourceRevision);
        var (sdkExit, sdkOutput) = await Publish.TryRunAsync("container",
            [.. TlsRegistries.SdkPush(mirror.Host, target.Host, repository), "-p:WhoAmICheckRegistry=false"], environment);

        var checkFound = checkExit == 0;
        var sdkFound = sdkExit == 0;
        Measurements.Record($"registry credentials: {source}", $"check-registry {(checkFound ? "finds them" : "finds none")}; the SDK's push {(sdkFound ? "succeeds" : "fails")}");
        Assert.True(checkExit is 0 or 1, checkOutput);
        Assert.True(checkFound || checkOutput.Contains($"registry '{mirror.Host}' (the base image's) wants credentials", StringComparison.Ordinal), checkOutput);
        Assert.True(checkFound == sdkFound,
            $"{source}: check-registry {(checkFound ? "found" : "did not find")} credentials, the SDK's push {(sdkFound ? "succeeded" : "failed")}\n{checkOutput}\n{Tail(sdkOutput)}");
        Assert.Equal(sdkFound, (await registries.TagsAsync(target, repository)).Count > 0);
        foreach (var output in new[] { checkOutput, sdkOutput })
        {
            Assert.DoesNotContain(mirror.Password, output, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The check reads the version tag's source revision from the registry pushed to with these credentials, so it
    /// refuses a tag pushed from another revision exactly when it found them; the SDK pushes exactly when it did. The
    /// base comes from the local mirror, which wants none.
    /// </summary>
    [Theory]
    [InlineData("DOTNET_CONTAINER_PUSH_REGISTRY")]
    [InlineData("DOTNET_CONTAINER_REGISTRY")]
    [InlineData("SDK_CONTAINER_PUSH_REGISTRY")]
    [InlineData("SDK_CONTAINER_REGISTRY")]
    public async Task The_check_finds_the_pushed_to_registrys_credentials_exactly_when_the_sdk_does(string variables)
    {
        SkipUnlessAvailable();
        const string repository = "whoami-credentials-push";
        var target = registries.Target;
        var baseRegistry = ContainerEngine.Registry.Split('/')[0];
        if ((await registries.TagsAsync(target, repository)).Count == 0)
        {
            await Publish.RunAsync("container", TlsRegistries.SdkPush(ContainerEngine.Registry, target.Host, repository, revision: "1111111111111111"),
                registries.Environment(("DOTNET_CONTAINER_REGISTRY_UNAME", target.User), ("DOTNET_CONTAINER_REGISTRY_PWORD", target.Password)));
        }

        var revision = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(variables)))[..16];
        var environment = registries.Environment(($"{variables}_UNAME", target.User), ($"{variables}_PWORD", target.Password));
        var (checkExit, checkOutput) = await CheckAsync(environment, baseRegistry, target.Host, repository, revision);
        var (sdkExit, sdkOutput) = await Publish.TryRunAsync("container",
            [.. TlsRegistries.SdkPush(ContainerEngine.Registry, target.Host, repository, revision), "-p:WhoAmICheckRegistry=false"], environment);

        var checkFound = checkExit == 1 && checkOutput.Contains($"already has {repository}:{BuildFacts.Version} from source revision", StringComparison.Ordinal);
        var sdkFound = sdkExit == 0;
        Measurements.Record($"registry credentials: {variables}_UNAME/PWORD", $"check-registry {(checkFound ? "finds them" : "finds none")}; the SDK's push {(sdkFound ? "succeeds" : "fails")}");
        Assert.True(checkExit == 0 || checkFound, checkOutput);
        Assert.True(checkFound == sdkFound,
            $"{variables}: check-registry {(checkFound ? "found" : "did not find")} credentials, the SDK's push {(sdkFound ? "succeeded" : "failed")}\n{checkOutput}\n{Tail(sdkOutput)}");
        Assert.DoesNotContain(target.Password, checkOutput + sdkOutput, StringComparison.Ordinal);
    }

    static Task<(int ExitCode, string Output)> CheckAsync(Dictionary<string, string?> environment, string baseRegistry, string targetRegistry, string repository, string revision) =>
        Run.ProcessAsync("dotnet", ["run", "--file", Path.Combine(RepositoryRoot.Path, "WhoAmI", "build", "check-registry.cs"), "--",
            baseRegistry, targetRegistry, repository, BuildFacts.Version, revision], TimeSpan.FromMinutes(3), environment);

    void SkipUnlessAvailable()
    {
        images.SkipUnlessAvailable();
        ContainerImages.SkipUnlessNativeToolchain();
        registries.SkipUnlessAvailable();
    }

    static void WriteDockerConfig(Dictionary<string, string?> environment, object config) =>
        File.WriteAllText(Path.Combine(environment["DOCKER_CONFIG"]!, "config.json"), JsonSerializer.Serialize(config));

    /// <summary>docker-credential-whoamitest on this environment's PATH, as a credential helper is: <c>get</c> reads a
    /// registry on standard input and answers its login as JSON, or exits 1 for any other registry.</summary>
    static void InstallHelper(Dictionary<string, string?> environment, TlsRegistries.TlsRegistry registry)
    {
        var folder = Directory.CreateDirectory(Path.Combine(environment["DOCKER_CONFIG"]!, "bin")).FullName;
        var script = Path.Combine(folder, $"docker-credential-{Helper}");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            [ "$1" = get ] || { echo "unsupported: $1" >&2; exit 1; }
            read -r server
            case "$server" in
              {{registry.Host}}|https://{{registry.Host}}) printf '{"ServerURL":"%s","Username":"{{registry.User}}","Secret":"{{registry.Password}}"}\n' "$server" ;;
              *) echo "credentials not found in native keychain" >&2; exit 1 ;;
            esac
            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        environment["PATH"] = $"{folder}:{Environment.GetEnvironmentVariable("PATH")}";
    }

    static string Slug(string source) =>
        string.Concat(source.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Replace("--", "-").Trim('-');

    static string Tail(string output) => string.Join('\n', output.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Distinct().Take(5));
}
