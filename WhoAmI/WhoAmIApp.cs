using WhoAmI.Chain;
using WhoAmI.Endpoints;
using WhoAmI.Grpc;
using WhoAmI.Lifecycle;
using WhoAmI.Network;
using WhoAmI.Server;
using WhoAmI.Settings;
using WhoAmI.Telemetry;
using WhoAmI.Tls;

namespace WhoAmI;

/// <summary>
/// The one composition root. Program builds the service here from the settings it parsed, and the in-memory tests
/// build it here from theirs: every middleware and endpoint gets what it needs from the settings as an
/// argument, and nothing reads a copy of the settings from DI.
/// </summary>
internal static class WhoAmIApp
{
    /// <param name="settings">Every flag and environment variable, parsed (<see cref="WhoAmISettings.Parse"/>).</param>
    /// <param name="tls">The certificates to serve HTTPS with, or null for plain HTTP.</param>
    /// <param name="configure">What a test changes before the host is built (its server, its host name); null in Program.</param>
    public static WebApplication Build(WhoAmISettings settings, TlsCertificates? tls = null, Action<WebApplicationBuilder>? configure = null)
    {
        // The empty builder: no configuration files, no file watchers, no hosting extras this service does not use.
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.Logging.AddProvider(new StdoutLoggerProvider(settings.LogFormat)).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(KestrelLimits.Apply).ConfigureKestrel(o => KestrelProtocols.Apply(o, tls));
        if (tls is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        // Every listen setting, ASP.NET Core's own included, was weighed by ListenAddress; Kestrel gets only its answer.
        builder.WebHost.UseSetting("urls", settings.Listen.UrlsSetting)
            .UseSetting("http_ports", "").UseSetting("https_ports", "");

        // Requests in flight get 5 s at shutdown, after the drain (ShutdownSequence): under Docker's 10 s before SIGKILL
        // when there is no drain; a drain delay needs a longer grace period from the orchestrator (deploy/).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.DrainDelay + TimeSpan.FromSeconds(5));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostNameSource, KernelHostName>();
        builder.Services.AddSingleton(s => new ShutdownSequence(s.GetRequiredService<IHostApplicationLifetime>(), settings.DrainDelay));
        builder.Services.AddHostedService(s => s.GetRequiredService<ShutdownSequence>());
        builder.Services.AddSingleton<HealthState>();
        builder.Services.AddSingleton<ReadinessState>();
        builder.Services.AddSingleton(new FaultState(settings.Faults));
        builder.Services.AddWhoamiGrpc(settings.Name, settings.MaskIps);
        // The HttpClient of /chain, only when there is a backend to call: without one, /chain answers alone.
        if (settings.Backends.Count > 0)
        {
            builder.Services.AddSingleton(_ => new BackendCalls(settings.Backends));
        }

        // Opt-in: nothing listens to the meters (MapMetrics makes the listener only with --metrics), and nothing of
        // OpenTelemetry is registered, unless asked.
        builder.Services.AddSingleton<PrometheusMetrics>();
        if (settings.OpenTelemetry.Exports)
        {
            builder.AddOpenTelemetryExport(settings.OpenTelemetry);
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        // Memory back once a burst is over: a look every 5 s, a collection only when a burst has gone idle.
        // The timer is held by the lifetime's stopping token, which disposes it.
        IdleMemoryTrim.Start(app.Lifetime);

        if (settings.Verbose)
        {
            app.UseAccessLog();
        }

        // Only when faults are set at start or may be set at run time: otherwise no request pays for it.
        if (settings.Faults.Rate > 0 || settings.FaultSwitch)
        {
            app.UseFaultInjection();
        }

        app.UseDeclaredBodyLimit();
        app.UseWhoamiGrpc();
        app.UseRouting();
        app.UseExactPaths();
        app.UseWebSockets();
        // Each Map… takes plain RequestDelegates, not the templates' typed lambdas: that keeps the Request Delegate
        // Generator's code out and saved 438 KB of binary (docs/tuning.md). Keep them plain.
        app.MapWhoami();
        app.MapHealth();
        app.MapReadiness(settings.ReadySwitch);
        if (settings.Metrics)
        {
            app.MapMetrics();
        }

        if (settings.FaultSwitch)
        {
            app.MapFaults();
        }

        app.MapRequestInfo(settings);
        app.MapChain(settings);
        app.MapData(settings.MaxDataBytes);
        app.MapEcho();
        app.MapOpenApiDocument();
        return app;
    }
}
