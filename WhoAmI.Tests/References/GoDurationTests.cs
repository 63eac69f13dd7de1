using System.Diagnostics;
using System.Text;

namespace WhoAmI.Tests.References;

/// <summary>
/// GoDuration against the real thing it imitates: Go's own <c>time.ParseDuration</c> (References/go-duration, built
/// with the machine's Go), fed the same edge cases and seeded generated strings. Both must accept and refuse the same
/// strings, with the same value in nanoseconds. Replay a run with WHOAMI_FUZZ_SEED=….
/// </summary>
public sealed class GoDurationTests
{
    static readonly string[] EdgeCases =
    [
        "0", "-0", "+0", "0s", "-0s", "+0s", "", "s", ".", ".s", "-.s", "1", "1.", "1.s", ".5s", "5.s", "+1s", "+.5s", "-1s",
        "1m30s", "1h2m3.5s", "250ms", "2s", "1.5h", "3.ns60s", "2ns1m", "60s", "60.000000001s", "59.9999999999s",
        "1us", "1µs", "1μs", "59μs", "0.5μs", "1µ", "1μ", "1ms1", "1 s", " 1s", "1s ", "1S", "1sec", "1d", "1e3s",
        "9223372036854775807ns", "9223372036854775808ns", "-9223372036854775808ns", "9223372036854775.807s",
        "2562047h47m16.854775807s", "2562047h47m16.854775808s", "1.00000000000000000000000000000000001s",
        "0.0000000001s", "0.00000000099s", "1..5s", "1.5.5s", "--1s", "+-1s", "1s-1s", "0x10s", "١s", "1h1h1h",
        "123456789012345678901234567890ns", ".123456789012345678901234567890h",
    ];

    [Fact]
    public async Task Go_durations_are_accepted_refused_and_valued_as_gos_own_parser_does()
    {
        var go = await GoReferenceAsync();
        var seed = FuzzSeed.Value;
        TestContext.Current.SendDiagnosticMessage($"go-duration: WHOAMI_FUZZ_SEED={seed}");
        var random = new Random(seed);
        string[] corpus = [.. EdgeCases, .. Enumerable.Range(0, 2000).Select(_ => Generate(random))];

        var answers = await RunAsync(go, corpus);

        var differences = new List<string>();
        for (var i = 0; i < corpus.Length; i++)
        {
            var ours = GoDuration.TryParseNanoseconds(corpus[i], out var nanoseconds) ? $"ok {nanoseconds}" : "error";
            if (ours != answers[i])
            {
                differences.Add($"'{corpus[i]}': Go {answers[i]}, WhoAmI {ours}");
            }
        }

        TestContext.Current.SendDiagnosticMessage($"go-duration: {corpus.Length} strings ({EdgeCases.Length} edge cases), " +
            $"{answers.Count(a => a.StartsWith("ok", StringComparison.Ordinal))} accepted by Go, {differences.Count} differences");
        Assert.True(differences.Count == 0, $"WHOAMI_FUZZ_SEED={seed}: {differences.Count} differ:\n{string.Join('\n', differences.Take(30))}");
        Assert.InRange(answers.Count(a => a.StartsWith("ok", StringComparison.Ordinal)), corpus.Length / 5, corpus.Length * 4 / 5);
    }

    [Theory]
    [InlineData("60s", true)]
    [InlineData("60.000000001s", false)]
    [InlineData("2ns1m", false)]
    [InlineData("3.ns60s", false)]
    [InlineData("59μs", true)]
    [InlineData("+1s", true)]
    [InlineData("-0", true)]
    [InlineData("-1ns", false)]
    public void The_range_check_is_made_in_nanoseconds_not_in_timespan_ticks(string text, bool accepted)
    {
        Assert.Equal(accepted, GoDuration.TryParse(text, TimeSpan.FromSeconds(60), out _));
    }

    /// <summary>A string shaped like a duration, mostly: a sign, numbers with and without fractions, units right and
    /// wrong, now and then a stray character or a number too long for 64 bits.</summary>
    static string Generate(Random random)
    {
        string[] units = ["ns", "us", "µs", "μs", "ms", "s", "m", "h", "h", "s", "ms", "", "x", "S", "µ", "sec", "d"];
        var text = new StringBuilder(random.Next(8) switch { 0 => "-", 1 => "+", _ => "" });
        for (var parts = random.Next(1, 4); parts > 0; parts--)
        {
            if (random.Next(3) > 0)
            {
                text.Append(random.NextInt64(0, random.Next(4) == 0 ? long.MaxValue : 100));
            }

            if (random.Next(3) == 0)
            {
                text.Append('.').Append(random.Next(3) == 0 ? "" : random.NextInt64(0, random.Next(5) == 0 ? long.MaxValue : 1000).ToString());
            }

            text.Append(units[random.Next(units.Length)]);
        }

        if (random.Next(20) == 0)
        {
            text.Insert(random.Next(text.Length + 1), " .+-0aμ"[random.Next(7)]);
        }

        return text.ToString();
    }

    static async Task<string> GoReferenceAsync()
    {
        var (binary, missing) = await GoReferences.BuildAsync("go-duration");
        Assert.SkipWhen(binary is null, missing ?? "");
        return binary!;
    }

    static async Task<string[]> RunAsync(string binary, string[] corpus)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardInput = true, RedirectStandardOutput = true, StandardInputEncoding = new UTF8Encoding(false) };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Cancel);
        foreach (var line in corpus)
        {
            await process.StandardInput.WriteLineAsync(line);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync(Cancel).WaitAsync(TimeSpan.FromMinutes(1), Cancel);
        var answers = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(corpus.Length, answers.Length);
        return answers;
    }
}
