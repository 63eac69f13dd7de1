namespace WhoAmI.Tests.Support;

/// <summary>The seed of a seeded test: <c>WHOAMI_FUZZ_SEED</c> when set (a replay; .ci/run sets and prints one), else a
/// new one.</summary>
public static class FuzzSeed
{
    public static int Value => int.TryParse(Environment.GetEnvironmentVariable("WHOAMI_FUZZ_SEED"), out var seed) ? seed : System.Random.Shared.Next();

    /// <summary>A generator from <see cref="Value"/>, the seed told to the test's output under <paramref name="what"/>.</summary>
    public static System.Random Random(string what)
    {
        var seed = Value;
        TestContext.Current.SendDiagnosticMessage($"{what}: WHOAMI_FUZZ_SEED={seed}");
        return new System.Random(seed);
    }
}
