namespace WhoAmI.Tests.Support;

/// <summary><c>Cancel</c>: the running test's token, ended when the test times out or the run is stopped. Imported
/// statically in every file (WhoAmI.Tests.csproj).</summary>
public static class TestCancellation
{
    public static CancellationToken Cancel => TestContext.Current.CancellationToken;
}
