using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WhoAmI.Network;

namespace WhoAmI.Grpc;

/// <summary>
/// gRPC on the same port as every HTTP endpoint, through Grpc.AspNetCore: traefik/whoami's <c>whoami.Whoami</c> and the
/// standard <c>grpc.health.v1.Health</c>. HTTP/2 only, so h2c with prior knowledge on the plain port, ALPN h2 over TLS.
/// </summary>
internal static class GrpcServices
{
    /// <param name="name">The <c>--name</c> the Whoami method answers with.</param>
    /// <param name="maskIps">Whether it leaves this server's addresses out (<c>--mask-ips</c>).</param>
    public static IServiceCollection AddWhoamiGrpc(this IServiceCollection services, string? name, bool maskIps)
    {
        services.AddGrpc();
        services.TryAddSingleton(provider => new WhoamiGrpcService(provider.GetRequiredService<IHostNameSource>(), name, maskIps));
        services.TryAddSingleton<HealthGrpcService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<WhoamiGrpcService>, WhoamiGrpcService.Methods>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<HealthGrpcService>, HealthGrpcService.Methods>());
        return services;
    }

    /// <summary>
    /// Requests under a gRPC service's path, <c>/{package.Service}/</c>, go to gRPC whatever they are (gRPC answers a
    /// wrong method or content type itself); every other request goes on to the HTTP endpoints. The gRPC endpoints are
    /// built at the first such request, not at start-up. Keep it lazy: built at start-up (with Google.Protobuf's code)
    /// they took a plain-HTTP start 70 % longer to its first answer (docs/tuning.md, issue 23).
    /// </summary>
    public static IApplicationBuilder UseWhoamiGrpc(this IApplicationBuilder app)
    {
        var grpc = new Lazy<RequestDelegate>(() =>
        {
            var branch = app.New();
            branch.UseRouting();
            branch.UseEndpoints(endpoints =>
            {
                endpoints.MapGrpcService<WhoamiGrpcService>();
                endpoints.MapGrpcService<HealthGrpcService>();
            });
            return branch.Build();
        });
        return app.Use((context, next) =>
            IsUnder(context.Request.Path, WhoamiGrpcService.ServiceName) || IsUnder(context.Request.Path, HealthGrpcService.ServiceName)
                ? grpc.Value(context)
                : next(context));
    }

    static bool IsUnder(PathString path, string service) =>
        path.Value is { } value && value.Length > service.Length + 1 && value[service.Length + 1] == '/'
        && value.AsSpan(1).StartsWith(service, StringComparison.Ordinal);
}
