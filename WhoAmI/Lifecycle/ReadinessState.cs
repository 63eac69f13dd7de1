namespace WhoAmI.Lifecycle;

/// <summary>Ready unless the drain has begun or readiness was switched off. Thread-safe: one flag, read and written whole.</summary>
internal sealed class ReadinessState(ShutdownSequence shutdown)
{
    int _switchedOff;

    public bool IsReady => !shutdown.Draining.IsCancellationRequested && Volatile.Read(ref _switchedOff) == 0;

    public void Switch(bool enabled) => Volatile.Write(ref _switchedOff, enabled ? 0 : 1);
}
