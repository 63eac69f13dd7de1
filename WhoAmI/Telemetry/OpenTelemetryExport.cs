using System.Reflection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using WhoAmI.Network;

namespace WhoAmI.Telemetry;

/// <summary>
/// Traces, metrics and logs over OTLP by OpenTelemetry .NET, as Aspire's service defaults wire them: ASP.NET Core's
/// request spans (continuing the caller's <c>traceparent</c>), HttpClient's spans of <c>/chain</c>'s calls, ASP.NET Core's,
/// Kestrel's, HttpClient's and the runtime's meters, and
/// every log line (with its trace and span ids), exported over gRPC or http/protobuf as the OTEL_ variables say.
/// </summary>
internal static class OpenTelemetryExport
{
    /// <summary>The meters .NET itself publishes that the metrics export carries: those <c>/metrics</c> shows, and HttpClient's (<c>/chain</c>).</summary>
    public static readonly string[] Meters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime", "System.Net.Http"];

    public static WebApplicationBuilder AddOpenTelemetryExport(this WebApplicationBuilder builder, OpenTelemetrySettings settings)
    {
        // The SDK reads its variables through IConfiguration; the empty builder has no sources, so it gets these alone.
        builder.Configuration.AddInMemoryCollection(settings.ForSdk());
        var ownKeys = settings.ResourceAttributeKeys;
        var version = typeof(OpenTelemetryExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddDetector(services => new ServiceResource(
                version, services.GetRequiredService<IHostNameSource>().GetHostName() ?? "unknown", ownKeys)))
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics.AddMeter(Meters))
            .WithLogging(configureBuilder: null, configureOptions: options => options.IncludeFormattedMessage = true)
            .UseOtlpExporter();
        return builder;
    }

    /// <summary><c>service.version</c> and <c>host.name</c>, each unless <c>OTEL_RESOURCE_ATTRIBUTES</c> gives it.</summary>
    sealed class ServiceResource(string version, string hostName, IReadOnlySet<string> given) : IResourceDetector
    {
        public Resource Detect() => new(new Dictionary<string, object>
        {
            ["service.version"] = version,
            ["host.name"] = hostName,
        }.Where(a => !given.Contains(a.Key)));
    }
}
