namespace WhoAmI.Tests.Published;

/// <summary><c>WhoAmI --probe</c> against the real server: it must ask where the server listens, by the same
/// rule, whichever setting put it there.</summary>
[Collection(PublishedCollection.Name)]
public sealed class HealthProbeTests(PublishedWhoAmI published)
{

    /// <summary>One row per line of the README's precedence list: flags, or a variable and its value ({0} is the port).</summary>
    public static TheoryData<string[], string, string> ListenSettings => new()
    {
        { ["--urls", "http://127.0.0.1:{0}"], "", "" },
        { ["--port", "{0}"], "", "" },
        { [], "WHOAMI_PORT_NUMBER", "{0}" },
        { [], "PORT", "{0}" },
        { [], "ASPNETCORE_URLS", "http://127.0.0.1:{0}" },
        { [], "ASPNETCORE_HTTP_PORTS", "{0}" },
    };

    [Theory]
    [MemberData(nameof(ListenSettings))]
    public async Task Probe_finds_the_server_wherever_a_listen_setting_put_it(string[] flags, string variable, string value)
    {
        var port = WhoAmIProcess.FreePort();
        var args = flags.Select(f => string.Format(f, port)).ToArray();
        var environment = variable.Length == 0 ? new Dictionary<string, string>() : new() { [variable] = string.Format(value, port) };
        await using var app = await published.StartAsync(args: args, environment: environment, port: port);

        var (healthy, healthyOutput) = await published.ProbeAsync(args, environment);
        await app.Client.PostAsync("/health", new StringContent("503"), Cancel);
        var (unhealthy, unhealthyOutput) = await published.ProbeAsync(args, environment);

        Assert.True(healthy == 0, healthyOutput);
        Assert.Equal("healthy", healthyOutput.Trim());
        Assert.Equal(1, unhealthy);
        Assert.StartsWith("unhealthy: HTTP/1.1 503", unhealthyOutput);
    }

    [Fact]
    public async Task Probe_with_nothing_listening_reports_unhealthy_with_exit_code_1()
    {
        var (exitCode, output) = await published.ProbeAsync(["--port", WhoAmIProcess.FreePort().ToString()]);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("unhealthy: ", output);
    }
}
