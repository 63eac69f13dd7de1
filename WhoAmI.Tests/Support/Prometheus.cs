using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace WhoAmI.Tests.Support;

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c> package), on a free loopback port, with its own temporary
/// storage, scraping the given targets every second; read back through its HTTP query API.
/// </summary>
public sealed class Prometheus : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    readonly Process _process;
    readonly string _directory;
    readonly HttpClient _client;

    Prometheus(Process process, string directory, Uri baseAddress)
    {
        _process = process;
        _directory = directory;
        _client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public static string? MissingReason => File.Exists(Binary) ? null
        : $"{Binary} is not installed (Debian/Ubuntu: apt-get install prometheus)";

    public static async Task<Prometheus> StartAsync(string job, Uri target)
    {
        var directory = Directory.CreateTempSubdirectory("whoami-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: {job}
                static_configs:
                  - targets: ["{target.Authority}"]
            """, Cancel);
        var port = WhoAmIProcess.FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var prometheus = new Prometheus(process, directory, new Uri($"http://127.0.0.1:{port}"));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await prometheus._client.GetAsync("/-/ready", Cancel)).IsSuccessStatusCode)
                {
                    return prometheus;
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
            }

            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                await prometheus.DisposeAsync();
                throw new InvalidOperationException($"Prometheus did not become ready (exited: {process.HasExited})");
            }

            await Task.Delay(200, Cancel);
        }
    }

    /// <summary>An instant query's single value; null while it has no sample (the series was not scraped yet).</summary>
    public async Task<double?> QueryAsync(string expression)
    {
        using var answer = JsonDocument.Parse(await _client.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(expression)}", Cancel));
        var result = answer.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() switch
        {
            0 => null,
            1 => double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture),
            var n => throw new InvalidOperationException($"'{expression}' gave {n} series, not one"),
        };
    }

    /// <summary>Polls <paramref name="expression"/> until <paramref name="done"/> holds for its value; the last value.</summary>
    public async Task<double?> WaitForAsync(string expression, Func<double?, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        double? value;
        while (!done(value = await QueryAsync(expression)) && clock.Elapsed < timeout)
        {
            await Task.Delay(250, Cancel);
        }

        return value;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
