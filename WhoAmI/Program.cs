using WhoAmI;
using WhoAmI.Lifecycle;
using WhoAmI.Settings;
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

await WhoAmIApp.Build(settings, tls).RunAsync();
return 0;
