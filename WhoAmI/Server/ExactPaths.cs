namespace WhoAmI.Server;

/// <summary>
/// Go's net/http matches <c>/whoami</c> exactly; ASP.NET Core routing also takes <c>/WHOAMI</c> and <c>/whoami/</c>.
/// After routing, a path that is not its route's literal text, to the letter, is treated as unknown: 404.
/// </summary>
internal static class ExactPaths
{
    public static IApplicationBuilder UseExactPaths(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            // Literal routes only: gRPC's catch-all for unknown methods has parameters, and answers them itself.
            if (context.GetEndpoint() is RouteEndpoint { RoutePattern: { Parameters.Count: 0, RawText: { } route } }
                && !string.Equals(route, context.Request.Path.Value, StringComparison.Ordinal))
            {
                context.SetEndpoint(null);
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
}
