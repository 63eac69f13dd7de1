namespace WhoAmI.Server;

/// <summary>
/// Shutdown in two steps. SIGTERM (the host's ApplicationStopping) begins the drain, <see cref="Draining"/>: <c>/ready</c>
/// answers 503 while everything else keeps serving for <c>--drain-delay</c>, long enough for a load balancer that
/// polls <c>/ready</c> to take this replica out. Then <see cref="Stopping"/>: <c>/health</c> answers 503, waits end,
/// gRPC health watchers hear NOT_SERVING, and the server stops gracefully. With no drain delay both come at once.
/// </summary>
internal sealed class ShutdownSequence
{
    readonly CancellationTokenSource _stopping = new();

    public ShutdownSequence(IHostApplicationLifetime lifetime, WhoAmISettings settings)
    {
        Draining = lifetime.ApplicationStopping;
        // This runs inside StopApplication, under a lock that the host's own StopApplication call, made before it stops
        // Kestrel, waits on: sleeping here is what keeps the server serving through the drain. Do not make it async.
        lifetime.ApplicationStopping.Register(() =>
        {
            if (settings.DrainDelay > TimeSpan.Zero)
            {
                Thread.Sleep(settings.DrainDelay);
            }

            _stopping.Cancel();
        });
    }

    /// <summary>Cancelled when shutdown begins: the drain.</summary>
    public CancellationToken Draining { get; }

    /// <summary>Cancelled when the drain is over and the server stops.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Waits <paramref name="delay"/>, ending early, without throwing, when the request is aborted or the
    /// server stops: the wait of <c>?wait=</c> and of an injected fault.</summary>
    public async Task WaitAsync(TimeSpan delay, CancellationToken requestAborted)
    {
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, Stopping);
        await Task.Delay(delay, stopWaiting.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
    }
}
