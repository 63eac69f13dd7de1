namespace WhoAmI.Tests.Support;

/// <summary>
/// <c>dotnet publish WhoAmI</c>, one at a time (two cores), each flavour in its own artifacts folder so that
/// an AOT and a trimmed build never share intermediate files.
/// </summary>
public static class Publish
{
    static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public static Task<string> RunAsync(string flavour, params string[] args) => RunAsync(flavour, args, null);

    /// <summary>Throws, with the output, when the publish fails.</summary>
    public static async Task<string> RunAsync(string flavour, string[] args, IDictionary<string, string?>? environment)
    {
        var (exitCode, output) = await TryRunAsync(flavour, args, environment);
        return exitCode == 0 ? output : throw new InvalidOperationException($"dotnet publish {string.Join(' ', args)} failed ({exitCode}):\n{output}");
    }

    /// <summary>The exit code and output, for a test of a failing publish.</summary>
    public static async Task<(int ExitCode, string Output)> TryRunAsync(string flavour, string[] args, IDictionary<string, string?>? environment)
    {
        await OneAtATime.WaitAsync();
        try
        {
            return await Run.ProcessAsync("dotnet",
                ["publish", Path.Combine(RepositoryRoot.Path, "WhoAmI"), "--nologo",
                    "--artifacts-path", Path.Combine(RepositoryRoot.Path, "artifacts", "tests", $"build-{flavour}"), .. args],
                TimeSpan.FromMinutes(8), environment);
        }
        finally
        {
            OneAtATime.Release();
        }
    }
}
