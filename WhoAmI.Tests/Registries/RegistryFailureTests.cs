using WhoAmI.Tests.Containers;

namespace WhoAmI.Tests.Registries;

/// <summary>
/// An SDK push that cannot succeed ends with a non-zero exit and one error line naming the registry and the cause,
/// leaves no tag behind (or the tags it found as they were), and shows no password. The causes the SDK states in one
/// line itself (wrong password, registry down) are checked as it states them; the others come from
/// WhoAmI/build/check-registry.cs, which runs before anything is pushed.
/// </summary>
[Trait("Category", "Registry")]
[Collection(ContainerCollection.Name)]
public sealed class RegistryFailureTests(ContainerImages images, TlsRegistries registries) : IClassFixture<TlsRegistries>
{
    const string WrongPassword = "not-the-password-5678";

    Dictionary<string, string?> TargetCredentials(string password) => registries.Environment(
        ("DOTNET_CONTAINER_REGISTRY_UNAME", registries.Target.User), ("DOTNET_CONTAINER_REGISTRY_PWORD", password));

    [Fact]
    public async Task A_wrong_password_fails_in_one_line_naming_the_registry_and_pushes_nothing()
    {
        SkipUnlessAvailable();

        var line = await FailingPushAsync(TlsRegistries.SdkPush(ContainerEngine.Registry, registries.Target.Host, "whoami-wrong-password"), TargetCredentials(WrongPassword));

        Assert.Contains("CONTAINER1016", line, StringComparison.Ordinal);
        Assert.Contains($"registry '{registries.Target.Host}'", line, StringComparison.Ordinal);
        Assert.Contains("confirm your credentials", line, StringComparison.Ordinal);
        Assert.Empty(await registries.TagsAsync(registries.Target, "whoami-wrong-password"));
    }

    [Fact]
    public async Task A_registry_whose_ca_is_not_trusted_fails_in_one_line_instead_of_a_stack_trace()
    {
        SkipUnlessAvailable();
        var environment = TargetCredentials(registries.Target.Password);
        environment["SSL_CERT_FILE"] = "/etc/ssl/certs/ca-certificates.crt"; // the system's CAs only

        var line = await FailingPushAsync(TlsRegistries.SdkPush(registries.BaseInTarget, registries.Target.Host, "whoami-untrusted"), environment);

        Assert.Contains($"registry '{registries.Target.Host}': its TLS certificate is not trusted", line, StringComparison.Ordinal);
        Assert.Contains("trust its CA", line, StringComparison.Ordinal);
        Assert.Empty(await registries.TagsAsync(registries.Target, "whoami-untrusted"));
    }

    [Fact]
    public async Task A_registry_that_is_down_fails_in_one_line_naming_it()
    {
        SkipUnlessAvailable();
        var down = $"{TlsRegistries.TargetHostName}:{WhoAmIProcess.FreePort()}";

        var line = await FailingPushAsync(TlsRegistries.SdkPush(ContainerEngine.Registry, down, "whoami-down"), TargetCredentials(registries.Target.Password));

        Assert.Contains("CONTAINER1013", line, StringComparison.Ordinal);
        Assert.Contains($"Connection refused ({down})", line, StringComparison.Ordinal);
    }

    /// <summary>dotnet/sdk#37156: DOTNET_CONTAINER_REGISTRY_UNAME/PWORD serve the registry pushed to only; the SDK
    /// then fails on the base's registry with an MSB4018 stack trace, check-registry.cs with one line that says what to set.</summary>
    [Fact]
    public async Task A_base_registry_without_credentials_of_its_own_fails_in_one_line_naming_it_and_the_fix()
    {
        SkipUnlessAvailable();

        var line = await FailingPushAsync(TlsRegistries.SdkPush(registries.Mirror.Host, registries.Target.Host, "whoami-no-base-credentials"), TargetCredentials(registries.Target.Password));

        Assert.Contains($"registry '{registries.Mirror.Host}' (the base image's) wants credentials and none are set for it", line, StringComparison.Ordinal);
        Assert.Contains("DOTNET_CONTAINER_PULL_REGISTRY_UNAME/PWORD", line, StringComparison.Ordinal);
        Assert.Empty(await registries.TagsAsync(registries.Target, "whoami-no-base-credentials"));
    }

    [Fact]
    public async Task A_version_tag_pushed_from_another_revision_is_not_overwritten_and_no_tag_moves()
    {
        SkipUnlessAvailable();
        const string repository = "whoami-taken";
        var environment = TargetCredentials(registries.Target.Password);
        await Publish.RunAsync("container", TlsRegistries.SdkPush(ContainerEngine.Registry, registries.Target.Host, repository, revision: "1111111111111111"), environment);
        var before = await DigestsAsync(repository);

        var line = await FailingPushAsync(TlsRegistries.SdkPush(ContainerEngine.Registry, registries.Target.Host, repository, revision: "2222222222222222"), environment);

        Assert.Contains($"registry '{registries.Target.Host}' already has {repository}:{BuildFacts.Version} from source revision 1111111111111111, and this build is 2222222222222222", line, StringComparison.Ordinal);
        Assert.Equal(before, await DigestsAsync(repository));
    }

    /// <summary>A release retried from its commit may push again: SDK 10 cannot reproduce the layer's bytes
    /// (dotnet/sdk#55689, SDK 11), so the source revision, not the digest, says whether the content is the same.</summary>
    [Fact]
    public async Task A_version_tag_pushed_again_from_the_same_revision_succeeds_and_its_tags_stay_together()
    {
        SkipUnlessAvailable();
        const string repository = "whoami-again";
        var environment = TargetCredentials(registries.Target.Password);
        await Publish.RunAsync("container", TlsRegistries.SdkPush(ContainerEngine.Registry, registries.Target.Host, repository), environment);

        await Publish.RunAsync("container", TlsRegistries.SdkPush(ContainerEngine.Registry, registries.Target.Host, repository), environment);

        var digests = await DigestsAsync(repository);
        Assert.Equal(BuildFacts.ReleaseTags.Order(), digests.Keys.Order());
        Assert.Single(digests.Values.Distinct());
    }

    void SkipUnlessAvailable()
    {
        images.SkipUnlessAvailable();
        ContainerImages.SkipUnlessNativeToolchain();
        registries.SkipUnlessAvailable();
    }

    async Task<Dictionary<string, string>> DigestsAsync(string repository)
    {
        var digests = new Dictionary<string, string>();
        foreach (var tag in await registries.TagsAsync(registries.Target, repository))
        {
            digests[tag] = await registries.DigestAsync(registries.Target, $"{repository}:{tag}");
        }

        return digests;
    }

    /// <summary>Runs a push that must fail; returns its one error line (MSBuild repeats it in the summary: one
    /// distinct line), having checked that no password of either registry shows.</summary>
    async Task<string> FailingPushAsync(string[] args, Dictionary<string, string?> environment)
    {
        var (exitCode, output) = await Publish.TryRunAsync("container", args, environment);

        Assert.True(exitCode != 0, $"the push succeeded:\n{output}");
        foreach (var password in new[] { registries.Target.Password, registries.Mirror.Password, WrongPassword })
        {
            Assert.DoesNotContain(password, output, StringComparison.Ordinal);
        }

        var errors = output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct().ToList();
        return Assert.Single(errors);
    }
}
