using System.Globalization;
using System.Text;
using WhoAmI.Lifecycle;

namespace WhoAmI.Endpoints;

/// <summary>The probe endpoint: its code can be set on purpose to watch a load balancer react.</summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var health = app.ServiceProvider.GetRequiredService<HealthState>();
        app.MapMethods("/health", [HttpMethods.Get, HttpMethods.Head], context => GetHealth(context, health));
        app.MapPost("/health", context => SetHealth(context, health));
        return app;
    }

    /// <summary>The current code, empty body: 200 by default, 503 once the server stops (after any drain).</summary>
    static Task GetHealth(HttpContext context, HealthState health)
    {
        context.Response.StatusCode = health.StatusCode;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    /// <summary>Sets the code from a body holding one integer, 200 to 599; anything else is refused, code unchanged.</summary>
    static async Task SetHealth(HttpContext context, HealthState health)
    {
        var body = await ReadSmallBodyAsync(context.Request, maxBytes: 16);
        if (body is null || !int.TryParse(body.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            || code is < HealthState.MinCode or > HealthState.MaxCode)
        {
            await PlainText.BadRequestAsync(context, $"health: the body must be one status code from {HealthState.MinCode} to {HealthState.MaxCode}");
            return;
        }

        health.Set(code);
        context.Response.ContentLength = 0;
    }

    /// <summary>The body as text, or null when it is longer than <paramref name="maxBytes"/>.</summary>
    static async Task<string?> ReadSmallBodyAsync(HttpRequest request, int maxBytes)
    {
        var buffer = new byte[maxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted)) > 0)
        {
            length += read;
        }

        return length > maxBytes ? null : Encoding.UTF8.GetString(buffer, 0, length);
    }
}
