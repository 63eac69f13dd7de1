namespace WhoAmI.Tests.Containers;

/// <summary>eng/start-image-mirror.sh on a registry that already serves another copy of a base image under its
/// upstream name (as a company mirror of Microsoft's images would): the script writes only under its own namespace.</summary>
[Trait("Category", "Container")]
[Collection(ContainerCollection.Name)]
public sealed class MirrorTests(ContainerImages images)
{
    [Fact]
    public async Task The_mirror_leaves_an_image_it_did_not_make_under_the_base_images_upstream_name_as_it_was()
    {
        images.SkipUnlessAvailable();
        Assert.SkipUnless(ContainerEngine.UsesLocalMirror, $"the base images come from {ContainerEngine.Registry}, not from the local mirror");
        var upstreamName = $"docker://{ContainerEngine.LocalRegistry}/{BuildFacts.BaseImageName}";
        // Another image under the base's upstream name: the registry's own, left alone, or one this test puts there
        // (the mirror's HAProxy, surely not a runtime-deps image) and removes afterwards.
        var before = await DigestAsync(upstreamName);
        var madeHere = before is null;
        if (madeHere)
        {
            await Docker.RunAsync(["copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false",
                $"docker://{ContainerEngine.Registry}/haproxy:3.2", upstreamName], null, "skopeo");
            before = await DigestAsync(upstreamName);
        }

        try
        {
            var (exitCode, output) = await Run.ProcessAsync(Path.Combine(RepositoryRoot.Path, "eng", "start-image-mirror.sh"), [], TimeSpan.FromMinutes(20));

            Assert.True(exitCode == 0, output);
            Assert.Equal(before, await DigestAsync(upstreamName));
            Assert.Null(await ContainerEngine.MissingImageAsync(BuildFacts.BaseImageName, BuildFacts.SdkImageName));
        }
        finally
        {
            if (madeHere)
            {
                var name = BuildFacts.BaseImageName[..BuildFacts.BaseImageName.LastIndexOf(':')];
                using var http = new HttpClient();
                await http.DeleteAsync($"http://{ContainerEngine.LocalRegistry}/v2/{name}/manifests/{before}", Cancel);
            }
        }
    }

    static async Task<string?> DigestAsync(string reference)
    {
        var (exitCode, output) = await Run.ProcessAsync("skopeo", ["inspect", "--tls-verify=false", "--format", "{{.Digest}}", reference], TimeSpan.FromMinutes(1));
        return exitCode == 0 ? output.Trim() : null;
    }
}
