using System.Diagnostics;

namespace WhoAmI.Tests.Support;

/// <summary>Waits for a server just started, a process or a container, to answer <c>/whoami</c>.</summary>
public static class Answering
{
    /// <summary>True once <c>GET /whoami</c> answers 200; false when <paramref name="within"/> runs out or
    /// <paramref name="gaveUp"/> says there is no point waiting (the process exited).</summary>
    public static async Task<bool> WaitForWhoamiAsync(Uri baseAddress, TimeSpan within, Func<bool>? gaveUp = null, HttpMessageHandler? handler = null)
    {
        using var probe = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null)
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(1),
        };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within && gaveUp?.Invoke() != true)
        {
            try
            {
                if ((await probe.GetAsync("/whoami")).StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(20);
        }

        return false;
    }
}
