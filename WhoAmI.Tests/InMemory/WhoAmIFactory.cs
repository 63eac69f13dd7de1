using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace WhoAmI.Tests.InMemory;

/// <summary>The service in memory (the JIT build), with the host name and settings a test chooses.</summary>
internal sealed class WhoAmIFactory(string? hostName = WhoAmIFactory.DottedHostName, WhoAmISettings? settings = null)
    : WebApplicationFactory<Program>
{
    public const string DottedHostName = "web-1.example.internal";

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services =>
        {
            // A fixed name, or none at all, in place of the kernel's: the test decides what the machine is called.
            services.AddSingleton<IHostNameSource>(new FixedHostName(hostName));
            // Flags and environment are parsed before the host exists; a test hands in the parsed result.
            if (settings is not null)
            {
                services.AddSingleton(settings);
            }
        });

    sealed class FixedHostName(string? name) : IHostNameSource
    {
        public string? GetHostName() => name;
    }
}
