namespace WhoAmI.Tests.Published;

/// <summary>Tests against the published binary, which is published once for all of them.</summary>
[CollectionDefinition(Name)]
public sealed class PublishedCollection : ICollectionFixture<PublishedWhoAmI>
{
    public const string Name = "Published binary";
}
