namespace WhoAmI.Lifecycle;

/// <summary>
/// Gives memory back once a burst is over, as Go's scavenger does: every <see cref="Period"/> it looks at how much was
/// allocated since its last look. When a burst has allocated since the last trim and nothing much was allocated
/// since the last look (the server has gone idle), it runs one compacting, decommitting collection
/// (<see cref="GCCollectionMode.Aggressive"/>), which returns the free heap to the kernel. The runtime gives nothing
/// back by itself: with no allocation there is no collection, and what a burst grew stays resident (docs/tuning.md,
/// issue 35). Under steady load it never runs: the allocations of one period are far above <see cref="IdleBytes"/>.
/// </summary>
internal sealed class IdleMemoryTrim : IDisposable
{
    static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    /// <summary>Less than this allocated in one period is idle: the server's own timers allocate a few KiB.</summary>
    const long IdleBytes = 256 * 1024;

    /// <summary>More than this allocated since the last trim is a burst worth giving back.</summary>
    const long BurstBytes = 2 * 1024 * 1024;

    readonly Timer _timer;
    long _lastLook = GC.GetTotalAllocatedBytes();
    long _lastTrim = GC.GetTotalAllocatedBytes();

    IdleMemoryTrim() => _timer = new Timer(_ => Look(), null, Period, Period);

    /// <summary>Looks every period from start to stop.</summary>
    public static void Start(IHostApplicationLifetime lifetime) => lifetime.ApplicationStopping.Register(new IdleMemoryTrim().Dispose);

    void Look()
    {
        var allocated = GC.GetTotalAllocatedBytes();
        var idle = allocated - _lastLook < IdleBytes;
        _lastLook = allocated;
        if (idle && allocated - _lastTrim > BurstBytes)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            _lastTrim = _lastLook = GC.GetTotalAllocatedBytes();
        }
    }

    public void Dispose() => _timer.Dispose();
}
