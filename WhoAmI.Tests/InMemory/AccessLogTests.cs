namespace WhoAmI.Tests.InMemory;

public sealed class AccessLogTests
{
    [Fact]
    public async Task Verbose_in_the_settings_alone_writes_one_access_line_per_request()
    {
        var logs = new CapturedLogs();
        await using var app = new WhoAmIFactory(settings: WhoAmISettings.Parse(["--verbose"], _ => null), logs: logs);

        var response = await app.CreateClient().GetAsync("/whoami?x=1", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var line = Assert.Single(logs.Lines, l => l.Category == "WhoAmI.Access").Message;
        Assert.Contains("\"GET /whoami?x=1 HTTP/1.1\" 200 ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_verbose_no_request_is_logged()
    {
        var logs = new CapturedLogs();
        await using var app = new WhoAmIFactory(logs: logs);

        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/whoami", Cancel)).StatusCode);

        Assert.DoesNotContain(logs.Lines, l => l.Category == "WhoAmI.Access");
    }
}
