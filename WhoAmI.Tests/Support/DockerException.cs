namespace WhoAmI.Tests.Support;

/// <summary>A docker command that exited with an error: its exit code, the command and what it printed.</summary>
public sealed class DockerException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
