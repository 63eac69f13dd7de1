using System.Diagnostics;

namespace WhoAmI.Tests.References;

/// <summary>
/// References/go-h2c built with the machine's Go against Debian's x/net (golang-golang-x-net-dev), by
/// <see cref="GoReferences"/>. Its server, a handler wrapped in <c>h2c.NewHandler</c> as traefik/whoami's is, runs for
/// the test class; its client (x/net/http2 over h2c) runs per request.
/// </summary>
public sealed class GoH2cReference : IAsyncLifetime
{
    const string XNet = "/usr/share/gocode/src/golang.org/x/net/http2/h2c";

    Process? _server;

    public string Binary { get; private set; } = "";

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

        (var binary, Missing) = await GoReferences.BuildAsync("go-h2c");
        if (binary is null)
        {
            return;
        }

        Binary = binary;
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
