namespace WhoAmI.Tests.Support;

/// <summary>The folder holding WhoAmI.sln, found by walking up from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "WhoAmI.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No WhoAmI.sln above {AppContext.BaseDirectory}");
    }
}
