using System.Text.Json;

namespace WhoAmI.Tests.InMemory;

/// <summary>
/// <c>GET /chain</c> in memory: the hop alone, the hop limit and the caller's time, the headers it refuses, a backend
/// that is down. Real chains of published binaries, the trace across them and slow backends: Published/ChainTests.
/// </summary>
public sealed class ChainTests
{
    /// <summary>A loopback port nothing listens on: a call to it is refused at once.</summary>
    static readonly string DeadBackend = $"http://127.0.0.1:{WhoAmIProcess.FreePort()}";

    static WhoAmIFactory WithBackends(params string[] args) =>
        new(settings: WhoAmISettings.Parse([.. args.SelectMany(url => new[] { "--backend", url }), "--name", "front"], _ => null));

    static async Task<(HttpStatusCode Status, JsonElement Hop)> ChainAsync(WhoAmIFactory app, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chain");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await app.CreateClient().SendAsync(request, Cancel);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.Clone());
    }

    [Fact]
    public async Task Without_a_backend_chain_answers_with_this_hop_alone_the_end_of_a_chain()
    {
        await using var app = new WhoAmIFactory();

        var (status, hop) = await ChainAsync(app);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, hop.GetProperty("hop").GetInt32());
        Assert.Equal(WhoAmIFactory.DottedHostName, hop.GetProperty("hostname").GetString());
        Assert.Contains("127.0.0.1", hop.GetProperty("ip").EnumerateArray().Select(ip => ip.GetString()));
        Assert.Equal(0, hop.GetProperty("backends").GetArrayLength());
        Assert.False(hop.TryGetProperty("stopped", out _));
        Assert.Matches("^[0-9a-f]{32}$", hop.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task The_hop_number_is_one_more_than_the_callers()
    {
        await using var app = new WhoAmIFactory();

        var (_, hop) = await ChainAsync(app, ("WhoAmI-Hop", "3"));

        Assert.Equal(4, hop.GetProperty("hop").GetInt32());
    }

    [Fact]
    public async Task The_eighth_hop_calls_no_backend_and_says_why_with_a_502()
    {
        await using var app = WithBackends(DeadBackend);

        var (status, hop) = await ChainAsync(app, ("WhoAmI-Hop", "7"));

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(8, hop.GetProperty("hop").GetInt32());
        Assert.Equal(0, hop.GetProperty("backends").GetArrayLength());
        Assert.Equal("hop limit: this is hop 8, at most 8; backends not called", hop.GetProperty("stopped").GetString());
    }

    [Fact]
    public async Task A_caller_whose_time_is_nearly_up_gets_an_answer_at_once_without_the_backends()
    {
        await using var app = WithBackends(DeadBackend);

        var (status, hop) = await ChainAsync(app, ("WhoAmI-Timeout", "100"));

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("WhoAmI-Timeout: 100ms, no more than this hop keeps for its answer (100ms); backends not called", hop.GetProperty("stopped").GetString());
    }

    [Theory]
    [InlineData("WhoAmI-Hop", "x")]
    [InlineData("WhoAmI-Hop", "-1")]
    [InlineData("WhoAmI-Hop", "101")]
    [InlineData("WhoAmI-Hop", "99999999999999999999")]
    [InlineData("WhoAmI-Hop", " 1")]
    [InlineData("WhoAmI-Timeout", "60001")]
    [InlineData("WhoAmI-Timeout", "1.5")]
    public async Task A_hop_or_timeout_header_that_is_not_a_number_in_range_gets_a_400_and_no_backend_is_called(string header, string value)
    {
        await using var app = WithBackends(DeadBackend);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chain");
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await app.CreateClient().SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("WhoAmI-Hop is a hop count from 0 to 100 and WhoAmI-Timeout milliseconds from 0 to 60000, each given once\n",
            await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task A_hop_header_given_twice_gets_a_400()
    {
        await using var app = new WhoAmIFactory();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/chain");
        request.Headers.TryAddWithoutValidation("WhoAmI-Hop", ["1", "2"]);

        using var response = await app.CreateClient().SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_backend_that_is_down_is_reported_as_such_with_a_502()
    {
        await using var app = WithBackends(DeadBackend);

        var (status, hop) = await ChainAsync(app);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("front", hop.GetProperty("name").GetString());
        var backend = hop.GetProperty("backends").EnumerateArray().Single();
        Assert.Equal(DeadBackend + "/chain", backend.GetProperty("url").GetString());
        Assert.StartsWith("cannot connect: ", backend.GetProperty("error").GetString());
        Assert.False(backend.TryGetProperty("status", out _));
    }

    [Fact]
    public async Task Masked_addresses_leave_the_hops_own_addresses_out()
    {
        await using var app = new WhoAmIFactory(settings: WhoAmISettings.Parse(["--mask-ips"], _ => null));

        var (_, hop) = await ChainAsync(app);

        Assert.Equal(0, hop.GetProperty("ip").GetArrayLength());
    }

    [Fact]
    public async Task Chain_answers_get_and_head_only()
    {
        await using var app = new WhoAmIFactory();

        using var response = await app.CreateClient().PostAsync("/chain", null, Cancel);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
