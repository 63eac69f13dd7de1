using WhoAmI;
using WhoAmI.Endpoints;

WhoAmISettings settings;
try
{
    settings = WhoAmISettings.Parse(args, Environment.GetEnvironmentVariable);
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

// The empty builder: no configuration files, no file watchers, no hosting extras this service does not use.
var builder = WebApplication.CreateEmptyBuilder(new() { Args = [.. settings.HostArgs] });
builder.Configuration.AddEnvironmentVariables("ASPNETCORE_").AddCommandLine([.. settings.HostArgs]);
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.WebHost.UseKestrelCore().ConfigureKestrel(KestrelLimits.Apply);
if (settings.ListenPort(builder.Configuration["urls"] is { Length: > 0 } || builder.Configuration["http_ports"] is { Length: > 0 }) is { } port)
{
    builder.WebHost.UseSetting("urls", "").UseSetting("http_ports", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = KestrelLimits.ShutdownTimeout);
builder.Services.AddRoutingCore();
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton<IHostNameSource, KernelHostName>();
builder.Services.AddSingleton<HealthState>();

var app = builder.Build();

if (settings.Verbose)
{
    app.UseAccessLog();
}

app.UseDeclaredBodyLimit();
app.UseRouting();
app.UseExactPaths();
app.UseWebSockets();
app.MapWhoami();
app.MapHealth();
app.MapRequestInfo();
app.MapData();
app.MapEcho();

await app.RunAsync();
return 0;
