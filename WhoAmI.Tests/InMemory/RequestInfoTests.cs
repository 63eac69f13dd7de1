using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using System.Net.Http.Json;
using System.Text.Json;

namespace WhoAmI.Tests.InMemory;

public sealed class RequestInfoTests
{

    [Fact]
    public async Task Root_shows_name_host_name_addresses_remote_address_and_the_request_as_received()
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { Name = "blue" });
        var request = new HttpRequestMessage(HttpMethod.Post, "/?x=1") { Content = new StringContent("hello body") };
        request.Headers.Add("X-Trace", "abc");

        var response = await app.CreateClient().SendAsync(request, Cancel);
        var lines = (await response.Content.ReadAsStringAsync(Cancel)).Split('\n');

        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("Name: blue", lines[0]);
        Assert.Equal("Hostname: web-1.example.internal", lines[1]);
        Assert.Contains("IP: 127.0.0.1", lines);
        Assert.Contains(lines, l => l.StartsWith("RemoteAddr: ", StringComparison.Ordinal));
        Assert.Contains("POST /?x=1 HTTP/1.1\r", lines);
        Assert.Contains("X-Trace: abc\r", lines);
        Assert.Equal("hello body", lines[^1]);
    }

    [Fact]
    public async Task Root_without_a_name_has_no_name_line()
    {
        await using var app = new WhoAmIFactory();

        var body = await app.CreateClient().GetStringAsync("/", Cancel);

        Assert.StartsWith("Hostname: web-1.example.internal\n", body);
    }

    [Fact]
    public async Task Api_answers_json_with_host_name_addresses_headers_url_host_method_and_remote_address()
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { Name = "green" });
        var request = new HttpRequestMessage(HttpMethod.Get, "/api?q=2");
        request.Headers.Add("X-Trace", ["a", "b"]);

        var response = await app.CreateClient().SendAsync(request, Cancel);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        var api = json.RootElement;

        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("web-1.example.internal", api.GetProperty("hostname").GetString());
        Assert.Contains("127.0.0.1", api.GetProperty("ip").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(["a", "b"], api.GetProperty("headers").GetProperty("X-Trace").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("/api?q=2", api.GetProperty("url").GetString());
        Assert.Equal("localhost", api.GetProperty("host").GetString());
        Assert.Equal("GET", api.GetProperty("method").GetString());
        Assert.Equal("green", api.GetProperty("name").GetString());
        Assert.True(api.TryGetProperty("remoteAddr", out _));
        Assert.False(api.TryGetProperty("environ", out _));
    }

    /// <summary>traefik/whoami's <c>/api</c> shows headers as Go's net/http keeps them: canonical names, no Host.</summary>
    [Fact]
    public async Task Api_gives_header_names_in_gos_canonical_form_and_no_host_header()
    {
        await using var app = new WhoAmIFactory();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api");
        request.Headers.TryAddWithoutValidation("x-lower", "1");
        request.Headers.TryAddWithoutValidation("X-MIXED-case", "2");
        request.Headers.TryAddWithoutValidation("x-forwarded-for", "192.0.2.1");

        using var json = JsonDocument.Parse(await (await app.CreateClient().SendAsync(request, Cancel)).Content.ReadAsStringAsync(Cancel));
        var names = json.RootElement.GetProperty("headers").EnumerateObject().Select(h => h.Name).ToList();

        Assert.Contains("X-Lower", names);
        Assert.Contains("X-Mixed-Case", names);
        Assert.Contains("X-Forwarded-For", names);
        Assert.DoesNotContain("x-lower", names);
        Assert.DoesNotContain(names, n => n.Equals("Host", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("localhost", json.RootElement.GetProperty("host").GetString());
    }

    [Theory]
    [InlineData("content-type", "Content-Type")]
    [InlineData("X-FORWARDED-FOR", "X-Forwarded-For")]
    [InlineData("x_custom-header", "X_custom-Header")]
    [InlineData("a--b", "A--B")]
    [InlineData("sec-websocket-key1", "Sec-Websocket-Key1")]
    public void Header_names_are_canonical_as_gos_textproto_makes_them(string name, string canonical)
    {
        Assert.Equal(canonical, WhoAmI.Endpoints.RequestInfoEndpoints.CanonicalHeaderName(name));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api")]
    public async Task Env_true_is_ignored_unless_the_server_opted_in(string path)
    {
        await using var app = new WhoAmIFactory();

        var body = await app.CreateClient().GetStringAsync($"{path}?env=true", Cancel);

        Assert.DoesNotContain("PATH=", body);
        Assert.DoesNotContain("\"environ\"", body);
    }

    [Fact]
    public async Task Env_true_shows_the_environment_when_the_server_opted_in()
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { ExposeEnvironment = true });
        var client = app.CreateClient();

        Assert.Contains("\nPATH=", await client.GetStringAsync("/?env=true", Cancel));
        Assert.DoesNotContain("\nPATH=", await client.GetStringAsync("/", Cancel));
        using var api = JsonDocument.Parse(await client.GetStringAsync("/api?env=true", Cancel));
        Assert.True(api.RootElement.GetProperty("environ").TryGetProperty("PATH", out _));
    }

    [Theory]
    [InlineData("/?wait=")]
    [InlineData("/?wait=soon")]
    [InlineData("/?wait=10")]
    [InlineData("/?wait=61s")]
    [InlineData("/?wait=2m")]
    [InlineData("/api?wait=-1s")]
    [InlineData("/api?wait=1s&wait=2s")]
    public async Task An_invalid_or_too_long_wait_gets_400_with_a_reason(string url)
    {
        await using var app = new WhoAmIFactory();

        var response = await app.CreateClient().GetAsync(url, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("wait: ", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Theory]
    [InlineData("/?wait=300ms", 300)]
    [InlineData("/api?wait=0.4s", 400)]
    public async Task Wait_delays_the_answer(string url, int milliseconds)
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var response = await client.GetAsync(url, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.ElapsedMilliseconds >= milliseconds - 20, $"answered after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_wait_ends_early_when_the_server_shuts_down_and_the_answer_still_goes_out()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var answer = client.GetAsync("/?wait=30s", Cancel);
        await Task.Delay(200, Cancel);
        lifetime.StopApplication();

        Assert.Equal(HttpStatusCode.OK, (await answer).StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the wait went on for {clock.Elapsed}");
    }
}
