using System.Text.RegularExpressions;

namespace WhoAmI.Tests.Build;

/// <summary>
/// The release workflow cannot run here (it needs GitHub's OIDC token and ghcr.io); .ci/run lints it with actionlint,
/// and these tests hold it to what the registry tests exercise against a real TLS registry: the same publish command
/// and properties, the same credentials variables, the tags the build derives from Version, every architecture.
/// </summary>
public sealed class ReleaseWorkflowTests
{
    [Fact]
    public void Release_publishes_with_the_sdk_command_the_registry_tests_run_and_the_build_derived_tags()
    {
        Assert.StartsWith("dotnet publish WhoAmI -t:PublishContainer ", ReleaseWorkflow.PublishCommand, StringComparison.Ordinal);
        // No tag of its own: the build's release tags (2.0.0, 2.0, latest), which the registry tests find pushed.
        Assert.DoesNotContain("ContainerImageTag", ReleaseWorkflow.PublishCommand, StringComparison.Ordinal);
        Assert.Equal(["ContainerRegistry", "ContainerRepository", "ContainerRuntimeIdentifiers", "WhoAmIReleaseTags"], ReleaseWorkflow.PublishProperties.Keys.Order());
        Assert.Equal("true", ReleaseWorkflow.PublishProperties["WhoAmIReleaseTags"]);
        Assert.Equal("ghcr.io", ReleaseWorkflow.PublishProperties["ContainerRegistry"]);
        Assert.Equal(BuildFacts.Architectures.Select(a => a.RuntimeIdentifier), ReleaseWorkflow.PublishProperties["ContainerRuntimeIdentifiers"].Split(';'));
    }

    [Fact]
    public void Release_passes_credentials_as_the_sdks_environment_variables_never_as_properties()
    {
        var environment = (Dictionary<object, object>)ReleaseWorkflow.PublishStep["env"];

        Assert.Equal(["DOTNET_CONTAINER_REGISTRY_PWORD", "DOTNET_CONTAINER_REGISTRY_UNAME"], environment.Keys.Cast<string>().Order());
        Assert.Equal("${{ secrets.GITHUB_TOKEN }}", environment["DOTNET_CONTAINER_REGISTRY_PWORD"]);
    }

    [Fact]
    public void Release_runs_on_a_version_tag_that_the_projects_version_matches()
    {
        var pattern = Assert.Single((List<object>)((Dictionary<object, object>)ReleaseWorkflow.On["push"])["tags"]);

        Assert.Matches("^" + Regex.Escape((string)pattern).Replace(@"\*", "[0-9]+", StringComparison.Ordinal) + "$", $"v{BuildFacts.Version}");
        Assert.Contains(ReleaseWorkflow.Steps, s => s.TryGetValue("run", out var run) && ((string)run).Contains("-getProperty:Version", StringComparison.Ordinal));
    }

    [Fact]
    public void Release_signs_the_index_and_attests_provenance_and_each_architectures_sbom()
    {
        var uses = ReleaseWorkflow.Steps.Where(s => s.ContainsKey("uses")).Select(s => ((string)s["uses"]).Split('@')[0]).ToList();
        Assert.Contains("sigstore/cosign-installer", uses);
        Assert.Contains(ReleaseWorkflow.Steps, s => s.TryGetValue("run", out var run) && ((string)run).StartsWith("cosign sign --yes ", StringComparison.Ordinal));
        Assert.Contains("actions/attest-build-provenance", uses);

        var sboms = ReleaseWorkflow.Steps.Where(s => s.TryGetValue("uses", out var u) && ((string)u).StartsWith("actions/attest-sbom@", StringComparison.Ordinal))
            .Select(s => (string)((Dictionary<object, object>)s["with"])["sbom-path"]).Order();
        // Where a multi-arch publish with --artifacts-path artifacts/release leaves each platform's SBOM (Sbom.targets).
        Assert.Equal(BuildFacts.Architectures.Select(a => $"artifacts/release/publish/WhoAmI/release_{a.RuntimeIdentifier}/sbom/whoami.spdx.json").Order(), sboms);
        Assert.Contains("--artifacts-path artifacts/release", ReleaseWorkflow.PublishCommand, StringComparison.Ordinal);
    }

    [Fact]
    public void Ci_runs_the_readmes_test_command()
    {
        var ci = File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".github", "workflows", "ci.yml"));
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));

        Assert.Contains("\n```console\n$ dotnet test\n```", readme, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^        run: dotnet test$", ci);
    }
}
