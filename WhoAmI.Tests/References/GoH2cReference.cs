using System.Diagnostics;

namespace WhoAmI.Tests.References;

/// <summary>
/// References/go-h2c built with the machine's Go against Debian's x/net (golang-golang-x-net-dev), in GOPATH mode:
/// no module, nothing fetched. Its server, a handler wrapped in <c>h2c.NewHandler</c> as traefik/whoami's is, runs for
/// the test class; its client (x/net/http2 over h2c) runs per request.
/// </summary>
public sealed class GoH2cReference : IAsyncLifetime
{
    const string XNet = "/usr/share/gocode/src/golang.org/x/net/http2/h2c";

    Process? _server;

    public string Binary { get; } = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "go-h2c");

    /// <summary>Why there is no reference here, or null when there is.</summary>
    public string? Missing { get; private set; }

    public int ServerPort { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (!Directory.Exists(XNet))
        {
            Missing = $"no {XNet}: install golang-go and golang-golang-x-net-dev (Debian's; .ci/run does)";
            return;
        }

        var source = Path.Combine(RepositoryRoot.Path, "WhoAmI.Tests", "References", "go-h2c", "main.go");
        var (exitCode, output) = await Run.ProcessAsync("go", ["build", "-o", Binary, source], TimeSpan.FromMinutes(3),
            new Dictionary<string, string?> { ["GO111MODULE"] = "off", ["GOPATH"] = "/usr/share/gocode", ["CGO_ENABLED"] = "0", ["GOFLAGS"] = "" });
        if (exitCode == 127)
        {
            Missing = "no Go here to build the reference: install golang-go (Debian's; .ci/run does)";
            return;
        }

        Assert.True(exitCode == 0, $"go build of the h2c reference failed: {output}");
        _server = Process.Start(new ProcessStartInfo(Binary, "serve") { RedirectStandardOutput = true })!;
        var line = await _server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("listening ", line);
        ServerPort = int.Parse(line!["listening ".Length..]);
    }

    public void SkipUnlessAvailable() => Assert.SkipWhen(Missing is not null, Missing ?? "");

    /// <summary>x/net/http2's client: one line per request, "STATUS PROTO BODY-BYTES" or "error …".</summary>
    public async Task<string> GetAsync(params string[] args)
    {
        var (exitCode, output) = await Run.ProcessAsync(Binary, ["get", .. args], TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, output);
        return output.Trim();
    }

    public ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
        }

        _server?.Dispose();
        return ValueTask.CompletedTask;
    }
}
