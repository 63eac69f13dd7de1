namespace WhoAmI.Tests.Support;

/// <summary>Figures a test measured on the way (times, counts), appended to artifacts/tests/measurements.tsv with the
/// date, so that a table in the README can be copied from a real run rather than typed.</summary>
public static class Measurements
{
    static readonly string FilePath = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "measurements.tsv");
    static readonly Lock Gate = new();

    public static void Record(string what, string figure)
    {
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.AppendAllText(FilePath, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\t{what}\t{figure}\n");
        }

        TestContext.Current.SendDiagnosticMessage($"{what}: {figure}");
    }
}
