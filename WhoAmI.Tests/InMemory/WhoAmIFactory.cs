using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace WhoAmI.Tests.InMemory;

/// <summary>
/// The service in memory (the JIT build), built by the product's own composition root, <see cref="WhoAmIApp.Build"/>,
/// from the settings a test chooses: by default those of no flags and an empty environment, so the developer's shell
/// (an <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, a <c>WHOAMI_PORT_NUMBER</c>) never reaches a test. Started at first use and
/// run as Program runs it: <see cref="IHostApplicationLifetime.StopApplication"/> stops it, with its drain.
/// </summary>
internal sealed class WhoAmIFactory(string? hostName = WhoAmIFactory.DottedHostName, WhoAmISettings? settings = null, CapturedLogs? logs = null)
    : IAsyncDisposable
{
    public const string DottedHostName = "web-1.example.internal";

    readonly Lazy<(WebApplication App, Task Running)> _started = new(() => Start(hostName, settings ?? WhoAmISettings.Parse([], _ => null), logs));

    public TestServer Server => _started.Value.App.GetTestServer();

    public IServiceProvider Services => _started.Value.App.Services;

    /// <summary>A client of the in-memory server; like any TestServer client, it does not follow redirects.</summary>
    public HttpClient CreateClient() => Server.CreateClient();

    /// <summary>Ends when the host has stopped, after any drain.</summary>
    public Task Running => _started.Value.Running;

    static (WebApplication, Task) Start(string? hostName, WhoAmISettings settings, CapturedLogs? logs)
    {
        var app = WhoAmIApp.Build(settings, tls: null, builder =>
        {
            // In memory: no socket, no port.
            builder.WebHost.UseTestServer();
            // A fixed name, or none at all, in place of the kernel's: the test decides what the machine is called.
            builder.Services.AddSingleton<IHostNameSource>(new FixedHostName(hostName));
            // Beside the service's own stdout logger, a copy a test can read.
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }
        });
        app.StartAsync(Cancel).GetAwaiter().GetResult();
        // What RunAsync does after starting: stop the host once ApplicationStopping fires.
        return (app, app.WaitForShutdownAsync(CancellationToken.None));
    }

    public async ValueTask DisposeAsync()
    {
        if (_started.IsValueCreated)
        {
            var (app, running) = _started.Value;
            app.Lifetime.StopApplication();
            await running;
            await app.DisposeAsync();
        }
    }

    sealed class FixedHostName(string? name) : IHostNameSource
    {
        public string? GetHostName() => name;
    }
}
