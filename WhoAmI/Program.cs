using WhoAmI;
using WhoAmI.Endpoints;
using WhoAmI.Server;
using WhoAmI.Telemetry;
using WhoAmI.Tls;

WhoAmISettings settings;
try
{
    // A HEALTHCHECK starts the probe without the server's flags: it reads them back from PID 1, its own win.
    settings = WhoAmISettings.Parse(HealthProbe.IsRequested(args) ? [.. HealthProbe.ServerArguments(), .. args] : args,
        Environment.GetEnvironmentVariable);
}
catch (SettingsException e)
{
    Console.Error.WriteLine($"WhoAmI: {e.Message} (see --help)");
    return 2;
}

if (settings.Help)
{
    Console.Out.Write(WhoAmISettings.HelpText);
    return 0;
}

if (settings.Probe)
{
    return await HealthProbe.RunAsync(settings);
}

TlsCertificates? tls;
try
{
    tls = TlsCertificates.Load(settings, warning => Console.Error.WriteLine($"WhoAmI: {warning}"));
}
catch (SettingsException e)
{
    Console.Error.WriteLine($"WhoAmI: {e.Message}");
    return 2;
}

// The empty builder: no configuration files, no file watchers, no hosting extras this service does not use.
var builder = WebApplication.CreateEmptyBuilder(new() { Args = [.. settings.HostArgs] });
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
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton<IHostNameSource, KernelHostName>();
builder.Services.AddSingleton<ShutdownSequence>();
builder.Services.AddSingleton<HealthState>();
builder.Services.AddSingleton<ReadinessState>();
builder.Services.AddSingleton<FaultState>();
builder.Services.AddWhoamiGrpc();
// Opt-in: nothing listens to the meters (MapMetrics makes the listener only with --metrics) or to the request
// activity (Telemetry/) unless asked.
builder.Services.AddSingleton<PrometheusMetrics>();
if (settings.Otlp is not null)
{
    builder.Services.AddHostedService<OtlpTraces>();
}

var app = builder.Build();

if (settings.Verbose)
{
    app.UseAccessLog();
}

if (settings.Otlp is not null)
{
    app.UseRequestSpans();
}

app.UseFaultInjection();
app.UseDeclaredBodyLimit();
app.UseWhoamiGrpc();
app.UseRouting();
app.UseExactPaths();
app.UseWebSockets();
// Each Map… takes plain RequestDelegates, not the templates' typed lambdas: that keeps the Request Delegate
// Generator's code out and saved 438 KB of binary (docs/tuning.md). Keep them plain.
app.MapWhoami();
app.MapHealth();
app.MapReadiness();
app.MapMetrics();
app.MapFaults();
app.MapRequestInfo();
app.MapData();
app.MapEcho();
app.MapOpenApiDocument();

await app.RunAsync();
return 0;
