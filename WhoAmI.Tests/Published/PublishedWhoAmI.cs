namespace WhoAmI.Tests.Published;

/// <summary>
/// The published binary, made once per test run with the command a user runs: Native AOT where a native linker
/// is installed, else the trimmed self-contained fallback (<c>-p:WhoAmINativeAot=false</c>), so that real
/// sockets, signals and limits are tested on an SDK-only machine too. Publishing fails the run when it prints
/// any warning: trim and AOT warnings are errors by design.
/// </summary>
public sealed class PublishedWhoAmI : IAsyncLifetime
{
    public bool IsNativeAot { get; } = NativeToolchain.IsAvailable;

    public string Directory => Path.Combine(RepositoryRoot.Path, "artifacts", "tests", IsNativeAot ? "aot" : "trimmed");

    public string BinaryPath => Path.Combine(Directory, "WhoAmI");

    public string PublishOutput { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        PublishOutput = await Publish.RunAsync(IsNativeAot ? "aot" : "trimmed", "-o", Directory, $"-p:WhoAmINativeAot={IsNativeAot}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Skips a test about Native AOT itself when the binary is the trimmed fallback, saying what to install.</summary>
    public void SkipUnlessNativeAot() =>
        Assert.SkipUnless(IsNativeAot, $"tested the trimmed fallback instead of Native AOT: {NativeToolchain.MissingReason}");

    /// <summary><c>WhoAmI --probe</c> with <paramref name="args"/> (and only <paramref name="environment"/> added to
    /// this process's environment), as a HEALTHCHECK runs it: its exit code and what it printed.</summary>
    public Task<(int ExitCode, string Output)> ProbeAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null) =>
        Run.ProcessAsync(BinaryPath, ["--probe", .. args], TimeSpan.FromSeconds(20),
            environment?.ToDictionary(e => e.Key, e => (string?)e.Value));

    /// <summary>
    /// Starts the binary and waits until it answers <c>/whoami</c>. With no <paramref name="port"/>, it is given
    /// <c>--port</c> with a free loopback port; with one, <paramref name="args"/> or <paramref name="environment"/>
    /// say where it listens. <paramref name="wrapper"/> is a command that runs the binary (unshare, say). With a
    /// <paramref name="tlsHandler"/> the server is reached over HTTPS, and its client uses that handler.
    /// </summary>
    public Task<WhoAmIProcess> StartAsync(IEnumerable<string>? args = null, IDictionary<string, string>? environment = null,
        int? port = null, IEnumerable<string>? wrapper = null, HttpMessageHandler? tlsHandler = null)
    {
        var listen = port ?? WhoAmIProcess.FreePort();
        string[] portArgs = port is null ? ["--port", listen.ToString()] : [];
        return WhoAmIProcess.StartAsync([.. wrapper ?? [], BinaryPath, .. portArgs, .. args ?? []], listen, environment, tlsHandler);
    }
}
