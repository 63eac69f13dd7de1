namespace WhoAmI.Tests.InMemory;

public sealed class WhoamiTests
{
    [Fact]
    public async Task Whoami_returns_the_whole_dotted_host_name_with_no_newline()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var response = await client.GetAsync("/whoami", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-1.example.internal", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Whoami_is_plain_utf8_text_with_its_length()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var response = await client.GetAsync("/whoami", TestContext.Current.CancellationToken);

        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(WhoAmIFactory.DottedHostName.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Whoami_answers_unknown_when_the_host_name_cannot_be_read()
    {
        await using var app = new WhoAmIFactory(hostName: null);

        var body = await app.CreateClient().GetStringAsync("/whoami", TestContext.Current.CancellationToken);

        Assert.Equal("unknown", body);
    }

    [Fact]
    public async Task Head_on_whoami_has_the_same_headers_and_no_body()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/whoami"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(WhoAmIFactory.DottedHostName.Length, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task Other_methods_on_whoami_get_405_with_an_allow_header_and_the_server_keeps_serving(string method)
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/whoami"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order());
        Assert.Equal("web-1.example.internal", await client.GetStringAsync("/whoami", TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("/who")]
    [InlineData("/whoami/")]
    [InlineData("/whoami/extra")]
    [InlineData("/WHOAMI")]
    [InlineData("/whoami.txt")]
    [InlineData("/favicon.ico")]
    public async Task Unknown_paths_get_404_and_the_server_keeps_serving(string path)
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var response = await client.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("web-1.example.internal", await client.GetStringAsync("/whoami", TestContext.Current.CancellationToken));
    }
}
