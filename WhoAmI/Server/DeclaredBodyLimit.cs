namespace WhoAmI.Server;

internal static class DeclaredBodyLimit
{
    /// <summary>
    /// Kestrel enforces the body limit only on a body that is read; most endpoints read none. A declared
    /// Content-Length over the limit gets 413 from every endpoint alike.
    /// </summary>
    public static IApplicationBuilder UseDeclaredBodyLimit(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.ContentLength > KestrelLimits.MaxRequestBodySize)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                context.Response.Headers.Connection = "close";
                return Task.CompletedTask;
            }

            return next(context);
        });
}
