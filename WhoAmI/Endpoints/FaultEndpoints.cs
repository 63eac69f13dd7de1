using WhoAmI.Lifecycle;
using WhoAmI.Server;
using WhoAmI.Settings;

namespace WhoAmI.Endpoints;

/// <summary>
/// <c>--fault-switch</c>: <c>GET /faults</c> says what is in force (<c>rate=0.2 status=503 delay=0ms</c>),
/// <c>POST /faults?rate=…&amp;status=…&amp;delay=…</c> replaces it (an absent parameter: 0, none, 0s). Not mapped without it.
/// </summary>
internal static class FaultEndpoints
{
    public static IEndpointRouteBuilder MapFaults(this IEndpointRouteBuilder app)
    {
        var faults = app.ServiceProvider.GetRequiredService<FaultState>();
        app.MapMethods("/faults", [HttpMethods.Get, HttpMethods.Head], context => PlainText.WriteAsync(context, $"{faults.Current}\n"));
        app.MapPost("/faults", context => SetAsync(context, faults));
        return app;
    }

    static Task SetAsync(HttpContext context, FaultState faults)
    {
        var query = context.Request.Query;
        try
        {
            faults.Current = new Faults(Read(query, "rate", Faults.ParseRate, 0.0), Read(query, "status", Faults.ParseStatus, null),
                Read(query, "delay", Faults.ParseDelay, TimeSpan.Zero)).Checked();
        }
        catch (FormatException e)
        {
            return PlainText.BadRequestAsync(context, $"faults: {e.Message}");
        }

        return PlainText.WriteAsync(context, $"{faults.Current}\n");
    }

    /// <summary>The parameter's value, parsed, or <paramref name="absent"/>; a bad one names the parameter.</summary>
    static T Read<T>(IQueryCollection query, string name, Func<string, T> parse, T absent)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return absent;
        }

        try
        {
            return values.Count == 1 ? parse(values[0]!) : throw new FormatException("give it once");
        }
        catch (FormatException e)
        {
            throw new FormatException($"{name}: {e.Message}");
        }
    }
}
