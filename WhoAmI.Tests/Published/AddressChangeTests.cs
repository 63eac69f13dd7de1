using System.Diagnostics;
using System.Text.Json;

namespace WhoAmI.Tests.Published;

/// <summary>
/// <c>/</c> and <c>/api</c> keep the address list until the kernel says it changed (NetworkAddresses): the binary
/// runs in a network namespace of this test's own, where addresses are added and removed with <c>ip</c>, and the
/// next request must show each change. Requests come from inside that namespace (<c>nsenter … curl</c>).
/// </summary>
[Collection(PublishedCollection.Name)]
public sealed class AddressChangeTests(PublishedWhoAmI published)
{
    const string Url = "http://127.0.0.1:8080";

    [Fact]
    public async Task The_next_request_after_an_address_is_added_or_removed_shows_the_machines_current_addresses()
    {
        Assert.SkipUnless(Environment.UserName == "root" && File.Exists("/usr/bin/unshare") && File.Exists("/usr/bin/nsenter"),
            "needs root and util-linux unshare and nsenter to give the binary a network namespace of its own");
        Assert.SkipUnless((await Run.ProcessAsync("ip", ["-V"], TimeSpan.FromSeconds(30))).ExitCode == 0, "needs iproute2's ip");
        Assert.SkipUnless((await Run.ProcessAsync("curl", ["--version"], TimeSpan.FromSeconds(30))).ExitCode == 0, "needs curl");

        // unshare execs in place: the process started here is the server, and its PID names the namespace.
        using var server = Process.Start(new ProcessStartInfo("/usr/bin/unshare",
            ["--net", "--", "/bin/sh", "-c", $"ip link set lo up && exec \"$0\" --urls {Url}", published.BinaryPath])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            var first = await ApiAddressesAsync(server.Id, waitForServer: true);
            Assert.Contains("127.0.0.1", first);
            Assert.DoesNotContain("192.0.2.7", first);

            await InNamespaceAsync(server.Id, "ip", "addr", "add", "192.0.2.7/32", "dev", "lo");
            Assert.Contains("192.0.2.7", await ApiAddressesAsync(server.Id));

            await InNamespaceAsync(server.Id, "ip", "addr", "add", "2001:db8::7/128", "dev", "lo");
            Assert.Contains("IP: 2001:db8::7\n", await InNamespaceAsync(server.Id, "curl", "-sS", "--max-time", "5", $"{Url}/"));

            await InNamespaceAsync(server.Id, "ip", "addr", "del", "192.0.2.7/32", "dev", "lo");
            var last = await ApiAddressesAsync(server.Id);
            Assert.DoesNotContain("192.0.2.7", last);
            Assert.Contains("2001:db8::7", last);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync(Cancel);
        }
    }

    static async Task<string[]> ApiAddressesAsync(int pid, bool waitForServer = false)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(waitForServer ? 20 : 0);
        while (true)
        {
            var (exitCode, output) = await Run.ProcessAsync("nsenter", ["--target", $"{pid}", "--net", "curl", "-sS", "--max-time", "5", $"{Url}/api"],
                TimeSpan.FromSeconds(30));
            if (exitCode == 0)
            {
                using var api = JsonDocument.Parse(output);
                return [.. api.RootElement.GetProperty("ip").EnumerateArray().Select(ip => ip.GetString()!)];
            }

            Assert.True(DateTime.UtcNow < deadline, $"GET /api in the server's namespace failed: {output}");
            await Task.Delay(100, Cancel);
        }
    }

    static async Task<string> InNamespaceAsync(int pid, params string[] command)
    {
        var (exitCode, output) = await Run.ProcessAsync("nsenter", ["--target", $"{pid}", "--net", .. command], TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"{string.Join(' ', command)}: {output}");
        return output;
    }
}
