namespace WhoAmI.Tests.References;

/// <summary>
/// Builds a Go reference program, <c>WhoAmI.Tests/References/NAME/main.go</c>, into <c>artifacts/tests/NAME</c> with the
/// machine's Go in GOPATH mode against Debian's packaged sources (/usr/share/gocode): no module, nothing fetched.
/// </summary>
internal static class GoReferences
{
    /// <summary>The binary, or null with why it cannot be built here (no Go); a failed build fails the test.</summary>
    public static async Task<(string? Binary, string? Missing)> BuildAsync(string name)
    {
        var source = Path.Combine(RepositoryRoot.Path, "WhoAmI.Tests", "References", name, "main.go");
        var binary = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", name);
        var (exitCode, output) = await Run.ProcessAsync("go", ["build", "-o", binary, source], TimeSpan.FromMinutes(3),
            new Dictionary<string, string?> { ["GO111MODULE"] = "off", ["GOPATH"] = "/usr/share/gocode", ["GOPROXY"] = "off", ["CGO_ENABLED"] = "0", ["GOFLAGS"] = "" });
        if (exitCode == 127)
        {
            return (null, "no Go here to build the reference: install golang-go (Debian's; .ci/run does)");
        }

        Assert.True(exitCode == 0, $"go build of References/{name} failed: {output}");
        return (binary, null);
    }
}
