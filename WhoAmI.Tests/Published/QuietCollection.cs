namespace WhoAmI.Tests.Published;

/// <summary>Tests that measure the published binary, run alone after the parallel tests: image builds on the
/// same two cores make the thread pool grow and blur what a leak would show.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QuietCollection : ICollectionFixture<PublishedWhoAmI>
{
    public const string Name = "Published binary, measured alone";
}
