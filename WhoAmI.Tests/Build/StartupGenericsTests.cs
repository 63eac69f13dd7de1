namespace WhoAmI.Tests.Build;

/// <summary>
/// WhoAmI/StartupGenerics.rd.xml lists the generic types dependency injection makes while the host starts, so that
/// Native AOT compiles them instead of the runtime building them at start (docs/tuning.md). A new service, endpoint
/// or framework version changes that list; this says so instead of letting start-up slow down unnoticed.
/// </summary>
public sealed class StartupGenericsTests
{
    [Fact]
    public async Task The_rd_xml_lists_the_generic_types_the_host_makes_while_it_starts()
    {
        var script = Path.Combine(RepositoryRoot.Path, "eng", "startup-generics", "list-startup-generics.sh");

        var (exitCode, output) = await Run.ProcessAsync("bash", [script, "--check"], TimeSpan.FromMinutes(5));

        Assert.True(exitCode == 0, output);
    }
}
