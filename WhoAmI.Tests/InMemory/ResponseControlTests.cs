namespace WhoAmI.Tests.InMemory;

/// <summary><c>status=</c> and <c>header=</c> on <c>/</c> and <c>/api</c>: the client chooses the answer's code and
/// extra headers, bounded; a bad value gets 400 and one line, and nothing else happens.</summary>
public sealed class ResponseControlTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/api")]
    public async Task A_chosen_status_and_headers_come_back_with_the_page_that_names_the_replica(string path)
    {
        await using var app = new WhoAmIFactory();

        var response = await app.CreateClient().GetAsync($"{path}?status=503&header=Retry-After:5&header=X-Replica-Mood:%20grumpy%20", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(["5"], response.Headers.GetValues("Retry-After"));
        Assert.Equal(["grumpy"], response.Headers.GetValues("X-Replica-Mood"));
        Assert.Contains(WhoAmIFactory.DottedHostName, await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task A_redirect_can_be_played_with_a_location()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient(); // does not follow the redirect

        var response = await client.GetAsync("/?status=302&header=Location:/elsewhere", Cancel);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/elsewhere", response.Headers.Location?.ToString());
    }

    [Theory]
    [InlineData("/", 204)]
    [InlineData("/api", 204)]
    [InlineData("/api", 304)]
    public async Task Codes_that_carry_no_body_get_none(string path, int status)
    {
        await using var app = new WhoAmIFactory();

        var response = await app.CreateClient().GetAsync($"{path}?status={status}", Cancel);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Cancel));
    }

    [Theory]
    [InlineData("status=100", "status: '100' is not a status code from 200 to 599")]
    [InlineData("status=600", "status: '600' is not a status code from 200 to 599")]
    [InlineData("status=abc", "status: 'abc' is not a status code from 200 to 599")]
    [InlineData("status=200&status=500", "status: '200,500' is not a status code from 200 to 599")]
    [InlineData("header=X-Injected:a%0d%0aSet-Cookie:%20x=1", "header: 'X-Injected:a\\r\\nSet-Cookie: x=1' is not Name:Value with a token name and a printable value of at most 1024 characters")]
    [InlineData("header=Bad%20Name:1", "header: 'Bad Name:1' is not Name:Value with a token name and a printable value of at most 1024 characters")]
    [InlineData("header=NoColon", "header: 'NoColon' is not Name:Value with a token name and a printable value of at most 1024 characters")]
    [InlineData("header=:empty", "header: ':empty' is not Name:Value with a token name and a printable value of at most 1024 characters")]
    [InlineData("header=Content-Length:0", "header: Content-Length frames or types the answer, or is hop-by-hop: the server sets it")]
    [InlineData("header=transfer-encoding:chunked", "header: transfer-encoding frames or types the answer, or is hop-by-hop: the server sets it")]
    [InlineData("header=Connection:close", "header: Connection frames or types the answer, or is hop-by-hop: the server sets it")]
    [InlineData("header=Content-Type:text/html", "header: Content-Type frames or types the answer, or is hop-by-hop: the server sets it")]
    public async Task A_bad_status_or_header_gets_400_and_one_line_and_no_wait(string query, string reason)
    {
        await using var app = new WhoAmIFactory();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var response = await app.CreateClient().GetAsync($"/api?wait=5s&{query}", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(reason + "\n", await response.Content.ReadAsStringAsync(Cancel));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), "a refused request waited");
    }

    [Fact]
    public async Task More_than_sixteen_headers_are_refused()
    {
        await using var app = new WhoAmIFactory();
        var query = string.Join('&', Enumerable.Range(0, 17).Select(i => $"header=X-H{i}:v"));

        var response = await app.CreateClient().GetAsync($"/?{query}", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("header: 17 given, at most 16\n", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task A_value_over_1024_characters_is_refused()
    {
        await using var app = new WhoAmIFactory();

        var response = await app.CreateClient().GetAsync($"/?header=X-Long:{new string('v', 1025)}", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
