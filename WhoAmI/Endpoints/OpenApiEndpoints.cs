namespace WhoAmI.Endpoints;

/// <summary><c>/openapi.yaml</c>: the hand-written description of the HTTP endpoints (WhoAmI/openapi.yaml), embedded in
/// the binary; `.ci/run` lints it and OpenApiTests walks it against the server.</summary>
internal static class OpenApiEndpoints
{
    /// <summary>RFC 9512's media type for YAML.</summary>
    const string ContentType = "application/yaml";

    // Read at the first request, not at start-up.
    static readonly Lazy<byte[]> Document = new(() =>
    {
        using var stream = typeof(OpenApiEndpoints).Assembly.GetManifestResourceStream("WhoAmI.openapi.yaml")!;
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    });

    public static IEndpointRouteBuilder MapOpenApiDocument(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/openapi.yaml", [HttpMethods.Get, HttpMethods.Head], context =>
        {
            var response = context.Response;
            response.ContentType = ContentType;
            response.ContentLength = Document.Value.Length;
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(Document.Value).AsTask();
        });
        return app;
    }
}
