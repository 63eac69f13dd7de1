using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace WhoAmI.Tests.Support;

/// <summary>A running WhoAmI process, reached over real HTTP on loopback, stopped with a real signal.</summary>
public sealed partial class WhoAmIProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();

    WhoAmIProcess(Process process, Uri baseAddress, HttpMessageHandler? handler)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: true) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Resident memory, from /proc/PID/status.</summary>
    public long ResidentKiB =>
        long.Parse(File.ReadAllLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

    /// <summary>Threads, from /proc/PID/status.</summary>
    public int Threads =>
        int.Parse(File.ReadAllLines($"/proc/{Pid}/status").First(l => l.StartsWith("Threads:")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1].Trim());

    /// <summary>Open file descriptors, from /proc/PID/fd.</summary>
    public int Descriptors => Directory.GetFiles($"/proc/{Pid}/fd").Length;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="command"/> (the binary, or a wrapper and then the binary) with a clean
    /// environment plus <paramref name="environment"/>, and waits until <paramref name="port"/> answers /whoami:
    /// over HTTPS to localhost when a TLS <paramref name="handler"/> is given, which then serves <see cref="Client"/>.</summary>
    public static async Task<WhoAmIProcess> StartAsync(IEnumerable<string> command, int port, IDictionary<string, string>? environment = null,
        HttpMessageHandler? handler = null)
    {
        var parts = command.ToList();
        var start = new ProcessStartInfo(parts[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        parts.Skip(1).ToList().ForEach(start.ArgumentList.Add);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_") || k.StartsWith("WHOAMI_") || k.StartsWith("DOTNET_") || k == "PORT").ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var baseAddress = new Uri(handler is null ? $"http://127.0.0.1:{port}" : $"https://localhost:{port}");
        var process = new WhoAmIProcess(Process.Start(start)!, baseAddress, handler);
        if (await Answering.WaitForWhoamiAsync(process.BaseAddress, TimeSpan.FromSeconds(20), () => process.HasExited, handler))
        {
            return process;
        }

        if (process.HasExited)
        {
            throw new InvalidOperationException($"WhoAmI exited with {process._process.ExitCode} before answering:\n{process.Output}");
        }

        await process.DisposeAsync();
        throw new TimeoutException($"WhoAmI did not answer on port {port} within 20 s:\n{process.Output}");
    }

    /// <summary>Waits up to 10 s for <paramref name="text"/> in the output (the console logger writes on its own
    /// thread, so a line may arrive after the answer that followed it); returns the output either way.</summary>
    public async Task<string> WaitForOutputAsync(string text)
    {
        for (var attempt = 0; attempt < 200 && !Output.Contains(text, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(50);
        }

        return Output;
    }

    /// <summary>Sends <paramref name="signal"/> (SIGTERM by default) and returns at once.</summary>
    public void Signal(int signal = Signals.Term)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the exit code, without a signal of its own.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends <paramref name="signal"/> (SIGTERM by default) and waits for the exit code.</summary>
    public async Task<int> SignalAndWaitAsync(int signal = Signals.Term, TimeSpan? timeout = null)
    {
        Signal(signal);
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>Whether something accepts connections on loopback <paramref name="port"/> right now.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static class Signals
    {
        public const int Int = 2;
        public const int Term = 15;
    }
}
