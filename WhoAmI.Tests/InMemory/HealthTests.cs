using System.Net;
using WhoAmI.Endpoints;
using WhoAmI.Tests.Support;

namespace WhoAmI.Tests.InMemory;

public sealed class HealthTests : IDisposable
{
    readonly WhoAmIFactory _factory = new();
    readonly HttpClient _client;

    public HealthTests() => _client = _factory.CreateClient();

    public void Dispose() => _factory.Dispose();

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_is_200_with_an_empty_body_by_default()
    {
        var response = await _client.GetAsync("/health", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Cancel));
    }

    [Fact]
    public async Task Posting_a_code_makes_health_answer_it()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/health", new StringContent("503"), Cancel)).StatusCode);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.GetAsync("/health", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health"), Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/whoami", Cancel)).StatusCode);
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
        await _client.PostAsync("/health", new StringContent("418"), Cancel);

        var response = await _client.PostAsync("/health", new StringContent(body), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("health: ", await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal((HttpStatusCode)418, (await _client.GetAsync("/health", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_posts_leave_one_of_the_posted_codes()
    {
        var codes = Enumerable.Range(500, 50).ToArray();

        await Task.WhenAll(codes.Select(c => _client.PostAsync("/health", new StringContent(c.ToString()), Cancel)));

        Assert.Contains((int)(await _client.GetAsync("/health", Cancel)).StatusCode, codes);
    }

    [Fact]
    public async Task Health_is_503_once_shutdown_has_begun()
    {
        var lifetime = (Microsoft.Extensions.Hosting.IHostApplicationLifetime)_factory.Services.GetService(typeof(Microsoft.Extensions.Hosting.IHostApplicationLifetime))!;
        var state = (HealthState)_factory.Services.GetService(typeof(HealthState))!;

        lifetime.StopApplication();

        Assert.Equal(503, state.StatusCode);
    }
}
