namespace WhoAmI.Tests.Support;

/// <summary>A container started by a test, with a client for its published port; removed when disposed.</summary>
public sealed class RunningContainer(string name, HttpMessageHandler? handler = null) : IAsyncDisposable
{
    public string Name { get; } = name;

    public HttpClient Client { get; } = new(handler ?? new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Run.ProcessAsync("docker", ["rm", "-f", Name], TimeSpan.FromMinutes(1));
    }
}
