namespace WhoAmI.Tests.Support;

/// <summary>A container started by a test (by Docker, or by <paramref name="engine"/>), with a client for its published
/// port; removed when disposed.</summary>
public sealed class RunningContainer(string name, HttpMessageHandler? handler = null, string engine = "docker",
    IDictionary<string, string?>? environment = null) : IAsyncDisposable
{
    public string Name { get; } = name;

    public HttpClient Client { get; } = new(handler ?? new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Run.ProcessAsync(engine, ["rm", "-f", Name], TimeSpan.FromMinutes(1), environment);
    }
}
