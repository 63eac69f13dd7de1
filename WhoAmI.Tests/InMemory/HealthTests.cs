using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WhoAmI.Endpoints;

namespace WhoAmI.Tests.InMemory;

public sealed class HealthTests
{

    [Fact]
    public async Task Health_is_200_with_an_empty_body_by_default()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var response = await client.GetAsync("/health", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Cancel));
    }

    [Fact]
    public async Task Posting_a_code_makes_health_answer_it()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/health", new StringContent("503"), Cancel)).StatusCode);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health"), Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("99")]
    [InlineData("600")]
    [InlineData("-200")]
    [InlineData("2000000000000")]
    [InlineData("200 OK please")]
    public async Task A_body_that_is_not_a_status_code_gets_400_and_leaves_the_code_unchanged(string body)
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        await client.PostAsync("/health", new StringContent("418"), Cancel);

        var response = await client.PostAsync("/health", new StringContent(body), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("health: ", await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal((HttpStatusCode)418, (await client.GetAsync("/health", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_posts_leave_one_of_the_posted_codes()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var codes = Enumerable.Range(500, 50).ToArray();

        await Task.WhenAll(codes.Select(c => client.PostAsync("/health", new StringContent(c.ToString()), Cancel)));

        Assert.Contains((int)(await client.GetAsync("/health", Cancel)).StatusCode, codes);
    }

    [Fact]
    public async Task Health_is_503_once_shutdown_has_begun()
    {
        await using var app = new WhoAmIFactory();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var state = app.Services.GetRequiredService<HealthState>();

        lifetime.StopApplication();
        await app.Running;

        Assert.Equal(503, state.StatusCode);
    }
}
