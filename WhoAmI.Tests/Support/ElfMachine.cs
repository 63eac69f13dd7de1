namespace WhoAmI.Tests.Support;

/// <summary>What machine an ELF executable is for, read from its header (<c>e_machine</c>), not from what an image claims.</summary>
public static class ElfMachine
{
    /// <summary>The Docker/OCI architecture name for the executable's <c>e_machine</c> (from WhoAmI.csproj's list of
    /// architectures), or a description of what it is instead.</summary>
    public static string Of(byte[] executable)
    {
        if (executable.Length < 20 || !executable.AsSpan(0, 4).SequenceEqual("\u007FELF"u8))
        {
            return "not an ELF file";
        }

        if (executable[5] != 1)
        {
            return "a big-endian ELF file";
        }

        // e_machine: 2 bytes, little-endian (EI_DATA = 1), at offset 18 in the ELF header of either class.
        var machine = BitConverter.ToUInt16(executable, 18);
        return BuildFacts.Architectures.FirstOrDefault(a => a.ElfMachine == machine)?.DockerArchitecture ?? $"e_machine 0x{machine:X}";
    }
}
