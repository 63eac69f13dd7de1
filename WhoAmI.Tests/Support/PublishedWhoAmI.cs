using System.Diagnostics;

namespace WhoAmI.Tests.Support;

/// <summary>
/// The Native AOT binary, published once per test run with the same command a user runs. Publishing fails the
/// run when it prints any warning: trim and AOT warnings are errors by design.
/// </summary>
public sealed class PublishedWhoAmI : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "aot");

    public string BinaryPath => Path.Combine(Directory, "WhoAmI");

    public string PublishOutput { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        PublishOutput = await Publish.RunAsync("aot", "-o", Directory, "-p:WhoAmINativeAot=true");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Starts the binary with <c>--port</c> on a free loopback port, plus <paramref name="args"/>.</summary>
    public async Task<WhoAmIProcess> StartOnFreePortAsync(IDictionary<string, string>? environment = null, params string[] args)
    {
        var port = WhoAmIProcess.FreePort();
        return await WhoAmIProcess.StartAsync([BinaryPath, "--port", port.ToString(), .. args], port, environment);
    }
}

[CollectionDefinition(Name)]
public sealed class PublishedCollection : ICollectionFixture<PublishedWhoAmI>
{
    public const string Name = "Published binary";
}

/// <summary>
/// <c>dotnet publish WhoAmI</c>, one at a time (two cores), each flavour in its own artifacts folder so that
/// an AOT and a trimmed build never share intermediate files.
/// </summary>
public static class Publish
{
    static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static async Task<string> RunAsync(string flavour, params string[] args)
    {
        await OneAtATime.WaitAsync();
        try
        {
            var (exitCode, output) = await Run.ProcessAsync("dotnet",
                ["publish", Path.Combine(RepositoryRoot.Path, "WhoAmI"), "--nologo",
                    "--artifacts-path", Path.Combine(RepositoryRoot.Path, "artifacts", "tests", $"build-{flavour}"), .. args],
                TimeSpan.FromMinutes(8));
            return exitCode == 0 ? output : throw new InvalidOperationException($"dotnet publish {string.Join(' ', args)} failed ({exitCode}):\n{output}");
        }
        finally
        {
            OneAtATime.Release();
        }
    }
}

/// <summary>Runs a command to its end and returns its exit code with stdout and stderr together.</summary>
public static class Run
{
    public static async Task<(int ExitCode, string Output)> ProcessAsync(string fileName, IEnumerable<string> args, TimeSpan timeout,
        IDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
