using System.Collections.Concurrent;
using System.Diagnostics;

namespace WhoAmI.Tests.Support;

/// <summary>
/// Clients sending <c>GET /whoami</c> in a loop through a load balancer until stopped, recording every answer:
/// when it came, which host name it named, and every request that failed (an exception or a status other than 200).
/// </summary>
public sealed class RequestLoad : IAsyncDisposable
{
    public sealed record Answer(TimeSpan At, string HostName);

    readonly HttpClient _client;
    readonly CancellationTokenSource _stop = new();
    readonly Task[] _workers;
    readonly Stopwatch _clock = Stopwatch.StartNew();

    public ConcurrentQueue<Answer> Answers { get; } = new();
    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Time since the load started, on the clock the answers are stamped with.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public int Total => Answers.Count + Failures.Count;

    RequestLoad(Uri baseAddress, int clients)
    {
        _client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        _workers = [.. Enumerable.Range(0, clients).Select(_ => Task.Run(LoopAsync))];
    }

    public static RequestLoad Start(Uri baseAddress, int clients = 4) => new(baseAddress, clients);

    async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await _client.GetAsync("/whoami", _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Answers.Enqueue(new Answer(_clock.Elapsed, body));
                }
                else
                {
                    Failures.Enqueue($"{_clock.Elapsed.TotalSeconds:0.000} s: {(int)response.StatusCode} {body}");
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Failures.Enqueue($"{_clock.Elapsed.TotalSeconds:0.000} s: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>Keeps the load going until at least <paramref name="requests"/> have been sent in all.</summary>
    public async Task RunUntilAsync(int requests, TimeSpan timeout)
    {
        var deadline = _clock.Elapsed + timeout;
        while (Total < requests)
        {
            if (_clock.Elapsed > deadline)
            {
                throw new TimeoutException($"only {Total} of {requests} requests within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Stops the clients; a request cancelled on the way counts neither as answered nor as failed.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_workers);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            await Task.WhenAll(_workers);
        }

        _client.Dispose();
        _stop.Dispose();
    }
}
