using WhoAmI.Settings;

namespace WhoAmI.Lifecycle;

/// <summary>The faults in force: those of the settings, until <c>POST /faults</c> replaces them. One reference, swapped whole.</summary>
internal sealed class FaultState(Faults initial)
{
    Faults _current = initial;

    public Faults Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}
