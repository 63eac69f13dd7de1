using System.Net.Http.Headers;

namespace WhoAmI.Tests.InMemory;

public sealed class DataTests
{

    /// <summary>What traefik/whoami writes: the filler at every offset, with | first and last.</summary>
    static string Expected(long length) =>
        new(Enumerable.Range(0, (int)length).Select(i => i == 0 || i == length - 1 ? '|' : "-ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i % 27]).ToArray());

    [Fact]
    public async Task Data_without_a_size_is_one_byte()
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { MaxDataBytes = 3 * 1024 * 1024 });
        var client = app.CreateClient();
        Assert.Equal("|", await client.GetStringAsync("/data", Cancel));
    }

    [Theory]
    [InlineData("/data?size=30", 30)]
    [InlineData("/data?size=2&unit=kb", 2048)]
    [InlineData("/data?size=1&unit=MB", 1024 * 1024)]
    [InlineData("/data?size=200000", 200_000)]
    public async Task Data_streams_the_filler_with_its_length(string url, long length)
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { MaxDataBytes = 3 * 1024 * 1024 });
        var client = app.CreateClient();
        var response = await client.GetAsync(url, Cancel);

        Assert.Equal(length, response.Content.Headers.ContentLength);
        Assert.Equal(Expected(length), await response.Content.ReadAsStringAsync(Cancel));
        Assert.Null(response.Content.Headers.ContentDisposition);
    }

    [Theory]
    [InlineData("/data?size=abc", "data: size 'abc' is not a whole number")]
    [InlineData("/data?size=-1", "data: size '-1' is not a whole number")]
    [InlineData("/data?size=1&unit=tb", "data: unit 'tb' is not one of kb, mb, gb")]
    [InlineData("/data?size=4&unit=mb", "data: 4194304 bytes is over the limit of 3145728")]
    [InlineData("/data?size=99999999999&unit=gb", "data: size '99999999999' gb is too large")]
    public async Task Bad_or_too_large_sizes_get_400_with_a_one_line_reason(string url, string reason)
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { MaxDataBytes = 3 * 1024 * 1024 });
        var client = app.CreateClient();
        var response = await client.GetAsync(url, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(reason + "\n", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Attachment_is_a_download_that_takes_a_byte_range()
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { MaxDataBytes = 3 * 1024 * 1024 });
        var client = app.CreateClient();
        var whole = await client.GetAsync("/data?size=100&attachment=true", Cancel);
        Assert.Equal("attachment; filename=data.txt", whole.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());

        var request = new HttpRequestMessage(HttpMethod.Get, "/data?size=100&attachment=true");
        request.Headers.Range = new RangeHeaderValue(90, null);
        var part = await client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal("bytes 90-99/100", part.Content.Headers.ContentRange?.ToString());
        Assert.Equal(Expected(100)[90..], await part.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task A_range_past_the_end_gets_416()
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { MaxDataBytes = 3 * 1024 * 1024 });
        var client = app.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/data?size=10&attachment=true");
        request.Headers.Range = new RangeHeaderValue(20, 30);

        var response = await client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */10", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Bench_answers_1()
    {
        await using var app = new WhoAmIFactory(settings: new WhoAmISettings { MaxDataBytes = 3 * 1024 * 1024 });
        var client = app.CreateClient();
        var response = await client.GetAsync("/bench", Cancel);

        Assert.Equal("1", await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
    }
}
