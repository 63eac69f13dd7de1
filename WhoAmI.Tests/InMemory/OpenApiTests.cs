using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.Serialization;

namespace WhoAmI.Tests.InMemory;

/// <summary>
/// WhoAmI/openapi.yaml against the server: served as it is in the repository, every documented operation answers one
/// of its documented codes with its documented media type, with and without its parameters' examples, and every HTTP
/// route the server maps is documented. (.ci/run lints the document with Redocly's linter.)
/// </summary>
public sealed class OpenApiTests : IAsyncDisposable
{
    static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace", "query"];

    // With every opt-in route mapped, so that each is checked against the document.
    readonly WhoAmIFactory _app = new(settings: WhoAmISettings.Parse(["--ready-switch", "--fault-switch", "--metrics"], _ => null));
    readonly Dictionary<object, object> _document = Load();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    static Dictionary<object, object> Load() =>
        (Dictionary<object, object>)new DeserializerBuilder().Build().Deserialize<object>(
            File.ReadAllText(Path.Combine(RepositoryRoot.Path, "WhoAmI", "openapi.yaml")))!;

    static Dictionary<object, object> Map(object node) => (Dictionary<object, object>)node;

    [Fact]
    public async Task The_document_is_served_as_yaml_exactly_as_committed()
    {
        var response = await _app.CreateClient().GetAsync("/openapi.yaml", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/yaml", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "WhoAmI", "openapi.yaml"), Cancel),
            await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("3.2.0", _document["openapi"]);
    }

    [Fact]
    public async Task Every_documented_operation_answers_a_documented_code_and_media_type()
    {
        var client = _app.CreateClient();
        var checkedCalls = 0;
        foreach (var (path, method, operation) in Operations())
        {
            // As documented with no parameters, then with each parameter's example.
            await CheckAsync(client, path, method, operation, query: "", header: null);
            checkedCalls++;
            foreach (var parameter in Parameters(operation).Where(p => p.ContainsKey("example")))
            {
                var value = parameter["example"] is List<object> list ? list[0] : parameter["example"];
                if ((string)parameter["in"] == "query")
                {
                    await CheckAsync(client, path, method, operation, $"?{parameter["name"]}={Uri.EscapeDataString(value.ToString()!)}", null);
                }
                else
                {
                    await CheckAsync(client, path, method, operation, "", ((string)parameter["name"], value.ToString()!));
                }

                checkedCalls++;
            }
        }

        Assert.True(checkedCalls >= 15, $"only {checkedCalls} calls checked");
    }

    /// <summary>Where an integer parameter has bounds and the operation documents 400, a value outside them gets 400.</summary>
    [Fact]
    public async Task Integer_parameters_out_of_their_documented_range_get_the_documented_400()
    {
        var client = _app.CreateClient();
        var checkedParameters = 0;
        foreach (var (path, method, operation) in Operations())
        {
            var responses = Map(operation["responses"]);
            foreach (var parameter in Parameters(operation))
            {
                var schema = Map(parameter["schema"]);
                if ((string)parameter["in"] != "query" || (string)schema["type"] != "integer" || !responses.ContainsKey("400"))
                {
                    continue;
                }

                var outside = schema.TryGetValue("maximum", out var maximum) ? long.Parse((string)maximum) + 1 : -1;
                var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), $"{path}?{parameter["name"]}={outside}"), Cancel);

                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path}?{parameter["name"]}={outside}: {response.StatusCode}");
                Assert.Single((await response.Content.ReadAsStringAsync(Cancel)).TrimEnd('\n').Split('\n'));
                checkedParameters++;
            }
        }

        Assert.True(checkedParameters >= 3, $"only {checkedParameters} parameters checked");
    }

    [Fact]
    public void Every_http_route_the_server_maps_is_documented_with_its_methods()
    {
        _ = _app.Server; // builds the host
        var paths = Map(_document["paths"]);
        var endpoints = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        Assert.NotEmpty(endpoints);
        foreach (var endpoint in endpoints)
        {
            var route = endpoint.RoutePattern.RawText!;
            Assert.True(paths.ContainsKey(route), $"{route} is served but not in openapi.yaml");
            var documented = Map(paths[route]).Keys.Cast<string>().ToHashSet();
            // HEAD is documented once for all: every GET also answers it.
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                Assert.True(method == "HEAD" || documented.Contains(method.ToLowerInvariant()), $"{method} {route} is served but not documented");
            }
        }
    }

    IEnumerable<(string Path, string Method, Dictionary<object, object> Operation)> Operations() =>
        from path in Map(_document["paths"])
        from operation in Map(path.Value)
        where Methods.Contains((string)operation.Key)
        select ((string)path.Key, (string)operation.Key, Map(operation.Value));

    IEnumerable<Dictionary<object, object>> Parameters(Dictionary<object, object> operation) =>
        operation.TryGetValue("parameters", out var list) ? ((List<object>)list).Select(p => Resolve(Map(p))) : [];

    Dictionary<object, object> Resolve(Dictionary<object, object> node)
    {
        if (!node.TryGetValue("$ref", out var reference))
        {
            return node;
        }

        var target = (object)_document;
        foreach (var part in ((string)reference).TrimStart('#', '/').Split('/'))
        {
            target = Map(target)[part];
        }

        return Map(target);
    }

    async Task CheckAsync(HttpClient client, string path, string method, Dictionary<object, object> operation, string query, (string Name, string Value)? header)
    {
        var what = $"{method.ToUpperInvariant()} {path}{query}{(header is { } h ? $" {h.Name}: {h.Value}" : "")}";
        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path + query);
        if (header is { } sent)
        {
            request.Headers.TryAddWithoutValidation(sent.Name, sent.Value);
        }

        if (operation.TryGetValue("requestBody", out var body))
        {
            var (mediaType, content) = Map(Map(body)["content"]).Select(c => ((string)c.Key, Map(c.Value))).First();
            request.Content = new StringContent((string)content["example"]);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        }

        var response = await client.SendAsync(request, Cancel);
        var responses = Map(operation["responses"]);
        var code = ((int)response.StatusCode).ToString();
        Assert.True(responses.ContainsKey(code) || responses.ContainsKey("default"), $"{what}: {code} is not documented");
        var documented = Resolve(Map(responses.TryGetValue(code, out var exact) ? exact : responses["default"]));
        var bytes = await response.Content.ReadAsByteArrayAsync(Cancel);
        if (documented.TryGetValue("content", out var media))
        {
            var contentType = response.Content.Headers.ContentType?.ToString();
            Assert.True(Map(media).ContainsKey(contentType ?? ""), $"{what}: {contentType} is not a documented media type of {code}");
        }
        else if (responses.ContainsKey(code))
        {
            Assert.True(bytes.Length == 0, $"{what}: {code} is documented without a body, but {bytes.Length} bytes came");
        }
    }
}
