namespace WhoAmI.Lifecycle;

/// <summary>The status code <c>/health</c> answers with. Thread-safe: one integer, read and written whole; each change
/// (a POST, or the server stopping after any drain) is told to <see cref="Changed"/>, whose listeners read the code anew.</summary>
internal sealed class HealthState
{
    // A 1xx is not a final answer: a client sent one would wait for the real one forever.
    public const int MinCode = 200;
    public const int MaxCode = 599;

    readonly ShutdownSequence _shutdown;
    int _code = StatusCodes.Status200OK;

    public HealthState(ShutdownSequence shutdown)
    {
        _shutdown = shutdown;
        shutdown.Stopping.Register(() => Changed?.Invoke());
    }

    /// <summary>Called after every change of <see cref="StatusCode"/>.</summary>
    public event Action? Changed;

    public int StatusCode => _shutdown.Stopping.IsCancellationRequested
        ? StatusCodes.Status503ServiceUnavailable
        : Volatile.Read(ref _code);

    public void Set(int code)
    {
        Volatile.Write(ref _code, code);
        Changed?.Invoke();
    }
}
