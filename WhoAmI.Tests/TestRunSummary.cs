using WhoAmI.Tests.Published;

namespace WhoAmI.Tests;

/// <summary>
/// The one place that says, at the end of a run, which groups of tests this machine left out and what to install
/// for them. It runs with the tests measured alone, after the parallel ones, so its line is among the last.
/// </summary>
[Collection(QuietCollection.Name)]
public sealed class TestRunSummary(PublishedWhoAmI published)
{
    [Fact]
    public async Task Every_group_ran_here_or_the_summary_says_which_did_not_and_why()
    {
        var leftOut = new List<string>();
        if (!published.IsNativeAot)
        {
            leftOut.Add($"Native AOT checks (the published-binary tests ran on the trimmed fallback instead): {NativeToolchain.MissingReason}");
        }

        if (await ContainerEngine.MissingReasonAsync() is { } containers)
        {
            leftOut.Add($"container group (both image paths, Compose and Swarm): {containers}");
        }
        else
        {
            if (published.IsNativeAot && NativeToolchain.CrossMissingReason is { } cross)
            {
                leftOut.Add($"the SDK path's multi-arch images: {cross}");
            }

            if (ContainerEngine.EmulationMissingReason is { } emulation)
            {
                leftOut.Add($"running the other architectures' images: {emulation}");
            }

            if (await Registries.TlsRegistries.MissingReasonAsync() is { } registries)
            {
                leftOut.Add($"registry group (pushes over TLS with credentials): {registries}");
            }

            if (await Podman.MissingReasonAsync() is { } podman)
            {
                leftOut.Add($"Podman group: {podman}");
            }
        }

        if (Support.Prometheus.MissingReason is { } prometheus)
        {
            leftOut.Add($"Prometheus group (a real Prometheus scraping /metrics): {prometheus}");
        }

        if ((await Run.ProcessAsync("kubectl", ["version", "--client"], TimeSpan.FromMinutes(1))).ExitCode == 127)
        {
            leftOut.Add("`kubectl kustomize deploy/k8s` (the manifests were still validated): kubectl is not installed (Debian/Ubuntu: apt-get install kubernetes-client)");
        }

        Assert.SkipWhen(leftOut.Count > 0,
            $"SUMMARY: in-memory and published-binary tests ran; left out on this machine: {string.Join("; ", leftOut)}");

        // Everything is here: the binary under test must then be the Native AOT one, not the fallback.
        Assert.False(File.Exists(Path.Combine(published.Directory, "WhoAmI.dll")), "Native AOT was available, yet a managed WhoAmI.dll was published");
    }
}
