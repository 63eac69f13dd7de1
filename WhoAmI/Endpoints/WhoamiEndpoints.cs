using WhoAmI.Network;

namespace WhoAmI.Endpoints;

/// <summary>The tutorial's one route.</summary>
internal static class WhoamiEndpoints
{
    public static IEndpointRouteBuilder MapWhoami(this IEndpointRouteBuilder app)
    {
        var hostName = app.ServiceProvider.GetRequiredService<IHostNameSource>();
        app.MapMethods("/whoami", [HttpMethods.Get, HttpMethods.Head], context => Whoami(context, hostName));
        return app;
    }

    /// <summary>The host name, no newline, as the Go server writes <c>os.Hostname()</c>; <c>unknown</c> when unreadable.</summary>
    static Task Whoami(HttpContext context, IHostNameSource hostName) =>
        PlainText.WriteAsync(context, hostName.GetHostName() ?? "unknown");
}
