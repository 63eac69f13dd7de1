namespace WhoAmI.Tests.Support;

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
