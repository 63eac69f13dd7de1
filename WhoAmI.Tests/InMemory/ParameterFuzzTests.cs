using System.Globalization;
using System.Text;
using WhoAmI.Endpoints;

namespace WhoAmI.Tests.InMemory;

/// <summary>
/// Seeded fuzz of every parameter and body a request can set (issue 33): <c>status</c>, <c>header</c> and <c>wait</c>
/// on <c>/api</c>, <c>size</c> and <c>unit</c> on <c>/data</c>, the bodies of <c>POST /health</c> and the parameters of
/// <c>POST /faults</c>. Each value is built from pieces near the edges (signs, units, other digits, control characters,
/// huge numbers) and checked against what the README promises: the answer asked for, or <c>400</c> with one line and
/// nothing changed; never a 5xx. Replay with WHOAMI_FUZZ_SEED=…; 300 values of each kind.
/// </summary>
public sealed class ParameterFuzzTests
{
    const int Count = 300;

    static readonly string[] Pieces =
    [
        "", "0", "1", "7", "200", "204", "404", "503", "599", "600", "199", "-1", "+5", "1e3", "0x1F4", " ", "\t", ".", "..",
        "٢٠٠", "２００", "1.5", "ns", "us", "µs", "μs", "ms", "s", "m", "h", "b", "kb", "KB", "mb", "gb", "tb", ":", ": ",
        "X-Demo", "Retry-After", "Content-Length", "Connection", "Set-Cookie", "\r\n", "\n", "\0", "\u007f", "é", "日本", "%",
        "9999999999999999999999", "true", "false", ",", ";", "=", "&", "\"", "'", new string('a', 300), new string('9', 40),
    ];

    static readonly string[] Units = ["", "b", "kb", "KB", "mb", "gb"];

    static string Value(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => Pieces[random.Next(Pieces.Length)]));

    static string Query(string name, string value) => $"{name}={Uri.EscapeDataString(value)}";

    /// <summary>A refusal as the README gives it: 400, text/plain, one line ending in a newline.</summary>
    static async Task AssertRefusedAsync(HttpResponseMessage response, string what)
    {
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode}, expected 400");
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(body.EndsWith('\n') && body.IndexOfAny(['\n', '\r']) == body.Length - 1, $"{what}: the refusal is not one line: {body}");
    }

    static bool IsStatusCode(string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code >= min && code <= max;

    [Fact]
    public async Task Status_on_api_is_the_code_asked_for_from_200_to_599_or_a_400()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var random = FuzzSeed.Random("status fuzz");
        for (var i = 0; i < Count; i++)
        {
            var value = Value(random);
            using var response = await client.GetAsync("/api?" + Query("status", value), Cancel);
            if (IsStatusCode(value, 200, 599))
            {
                Assert.Equal(int.Parse(value, CultureInfo.InvariantCulture), (int)response.StatusCode);
            }
            else
            {
                await AssertRefusedAsync(response, $"status={value}");
            }
        }
    }

    [Fact]
    public async Task A_header_asked_for_is_set_as_given_or_refused_with_a_400()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var random = FuzzSeed.Random("header fuzz");
        var set = 0;
        for (var i = 0; i < Count; i++)
        {
            var value = random.Next(3) == 0 ? Value(random) : $"{Value(random)}:{Value(random)}";
            using var response = await client.GetAsync("/api?" + Query("header", value), Cancel);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var colon = value.IndexOf(':');
                var (name, expected) = (value[..colon], value[(colon + 1)..].Trim(' ', '\t'));
                if (expected.Length == 0)
                {
                    continue; // an empty value is allowed (RFC 9110), and HttpClient's response headers leave it out
                }

                Assert.True(response.Headers.TryGetValues(name, out var got) || response.Content.Headers.TryGetValues(name, out got), $"header={value}: not set");
                Assert.Contains(expected, got);
                set++;
            }
            else
            {
                await AssertRefusedAsync(response, $"header={value}");
            }
        }

        Assert.True(set > 0, "no generated header was valid: the generator tests only refusals");
    }

    [Fact]
    public async Task Wait_on_api_waits_a_go_duration_or_is_refused_with_a_400()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var random = FuzzSeed.Random("wait fuzz");
        for (var i = 0; i < Count; i++)
        {
            var value = Value(random);
            var valid = GoDuration.TryParse(value, RequestInfoEndpoints.MaxWait, out var wait);
            if (valid && wait > TimeSpan.FromMilliseconds(50))
            {
                continue; // a real wait: the run stays short
            }

            using var response = await client.GetAsync("/api?" + Query("wait", value), Cancel);
            if (valid)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            else
            {
                await AssertRefusedAsync(response, $"wait={value}");
            }
        }
    }

    [Fact]
    public async Task Data_streams_size_times_unit_up_to_the_limit_or_is_refused_with_a_400()
    {
        const long limit = 65536;
        await using var app = new WhoAmIFactory(settings: WhoAmISettings.Parse(["--max-data-bytes", $"{limit}"], _ => null));
        var client = app.CreateClient();
        var random = FuzzSeed.Random("data fuzz");
        var streamed = 0;
        for (var i = 0; i < Count; i++)
        {
            // Half the values near the valid ones, so that both answers are exercised in every run.
            var size = random.Next(2) == 0 ? random.Next(0, 70).ToString(CultureInfo.InvariantCulture) : Value(random);
            var unit = random.Next(2) == 0 ? Units[random.Next(Units.Length)] : Value(random);
            using var response = await client.GetAsync($"/data?{Query("size", size)}&{Query("unit", unit)}", Cancel);
            long? multiplier = unit.ToLowerInvariant() switch { "" or "b" => 1, "kb" => 1024, "mb" => 1 << 20, "gb" => 1 << 30, _ => null };
            var expected = long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && multiplier is { } m
                && count <= limit / m ? count * m : (long?)null;
            if (expected is { } length)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(length, (await response.Content.ReadAsByteArrayAsync(Cancel)).LongLength);
                streamed++;
            }
            else
            {
                await AssertRefusedAsync(response, $"size={size} unit={unit}");
            }
        }

        Assert.True(streamed > 0, "no generated size was valid: the generator tests only refusals");
    }

    [Fact]
    public async Task Post_health_sets_a_code_from_200_to_599_and_anything_else_changes_nothing()
    {
        await using var app = new WhoAmIFactory();
        var client = app.CreateClient();
        var random = FuzzSeed.Random("health body fuzz");
        var current = 200;
        for (var i = 0; i < Count; i++)
        {
            var body = Value(random);
            using var response = await client.PostAsync("/health", new StringContent(body, Encoding.UTF8), Cancel);
            if (Encoding.UTF8.GetByteCount(body) <= 16 && IsStatusCode(body.Trim(), 200, 599))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                current = int.Parse(body.Trim(), CultureInfo.InvariantCulture);
            }
            else
            {
                await AssertRefusedAsync(response, $"POST /health '{body}'");
            }

            using var health = await client.GetAsync("/health", Cancel);
            Assert.Equal(current, (int)health.StatusCode);
        }
    }

    [Fact]
    public async Task A_refused_post_faults_leaves_the_faults_as_they_were()
    {
        await using var app = new WhoAmIFactory(settings: WhoAmISettings.Parse(["--fault-switch"], _ => null));
        var client = app.CreateClient();
        var random = FuzzSeed.Random("faults fuzz");
        var current = await client.GetStringAsync("/faults", Cancel);
        var accepted = 0;
        for (var i = 0; i < Count; i++)
        {
            var query = string.Join('&', new[] { "rate", "status", "delay" }.Where(_ => random.Next(2) == 0).Select(name => Query(name, Value(random))));
            using var response = await client.PostAsync("/faults?" + query, null, Cancel);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                current = await response.Content.ReadAsStringAsync(Cancel);
                accepted++;
            }
            else
            {
                await AssertRefusedAsync(response, $"POST /faults?{query}");
            }

            Assert.Equal(current, await client.GetStringAsync("/faults", Cancel));
        }

        Assert.True(accepted > 0, "no generated fault was valid: the generator tests only refusals");
    }
}
