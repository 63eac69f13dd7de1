namespace WhoAmI.Lifecycle;

/// <summary>
/// Shutdown in two steps. SIGTERM (the host's ApplicationStopping) begins the drain, <see cref="Draining"/>: <c>/ready</c>
/// answers 503 while everything else keeps serving for <c>--drain-delay</c>, long enough for a load balancer that
/// polls <c>/ready</c> to take this replica out. Then <see cref="Stopping"/>: <c>/health</c> answers 503, waits end,
/// gRPC health watchers hear NOT_SERVING, and the server stops gracefully. With no drain delay both come at once.
/// </summary>
internal sealed class ShutdownSequence(IHostApplicationLifetime lifetime, TimeSpan drainDelay) : IHostedLifecycleService
{
    readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when shutdown begins: the drain.</summary>
    public CancellationToken Draining => lifetime.ApplicationStopping;

    /// <summary>Cancelled when the drain is over and the server stops.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// The drain. The host awaits every StoppingAsync before it stops Kestrel, so the server serves through this await,
    /// and no thread waits. After SIGTERM, ApplicationStopping has fired already (the host's console lifetime fires it
    /// first); a host stopped by a call to StopAsync fires it only after this method, so it is fired here, and
    /// <c>/ready</c> says 503 through the whole drain either way.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        lifetime.StopApplication();
        if (drainDelay > TimeSpan.Zero)
        {
            // The host's token ends at its ShutdownTimeout, which is the drain delay and 5 s (WhoAmIApp).
            await Task.Delay(drainDelay, cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        _stopping.Cancel();
    }

    /// <summary>Waits <paramref name="delay"/>, ending early, without throwing, when the request is aborted or the
    /// server stops: the wait of <c>?wait=</c> and of an injected fault.</summary>
    public async Task WaitAsync(TimeSpan delay, CancellationToken requestAborted)
    {
        using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, Stopping);
        await Task.Delay(delay, stopWaiting.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
