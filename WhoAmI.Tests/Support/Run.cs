using System.ComponentModel;
using System.Diagnostics;

namespace WhoAmI.Tests.Support;

/// <summary>Runs a command to its end and returns its exit code with stdout and stderr together.</summary>
public static class Run
{
    /// <summary>Exit code 127, as a shell gives, when the command is not there to start.</summary>
    public static async Task<(int ExitCode, string Output)> ProcessAsync(string fileName, IEnumerable<string> args, TimeSpan timeout,
        IDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            return (127, $"{fileName}: {e.Message}");
        }

        using var _ = process;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
