using System.Collections;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using WhoAmI.Lifecycle;
using WhoAmI.Network;
using WhoAmI.Payloads;
using WhoAmI.Settings;
using WhoAmI.Tls;

namespace WhoAmI.Endpoints;

/// <summary>
/// What a backend behind a load balancer sees: who answered (<c>/</c> as text, <c>/api</c> as JSON) and the
/// request as it arrived. Both take <c>wait=&lt;duration&gt;</c>, <c>status=</c> and <c>header=</c>
/// (<see cref="ResponseControl"/>) and, when the server allows it, <c>env=true</c>.
/// </summary>
internal static class RequestInfoEndpoints
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public static IEndpointRouteBuilder MapRequestInfo(this IEndpointRouteBuilder app, WhoAmISettings settings)
    {
        var hostName = app.ServiceProvider.GetRequiredService<IHostNameSource>();
        var shutdown = app.ServiceProvider.GetRequiredService<ShutdownSequence>();
        app.Map("/", context => RequestAsText(context, hostName, settings, shutdown));
        app.Map("/api", context => RequestAsJson(context, hostName, settings, shutdown));
        return app;
    }

    /// <summary><c>Name</c>, <c>Hostname</c>, <c>IP</c>s, <c>RemoteAddr</c>, then the request line, headers and body.</summary>
    static async Task RequestAsText(HttpContext context, IHostNameSource hostName, WhoAmISettings settings, ShutdownSequence shutdown)
    {
        if (await ControlAsAskedAsync(context, shutdown) is not { } control)
        {
            return;
        }

        var request = context.Request;
        var text = new StringBuilder();
        if (settings.Name is { } name)
        {
            text.Append("Name: ").Append(name).Append('\n');
        }

        text.Append("Hostname: ").Append(hostName.GetHostName() ?? "unknown").Append('\n');
        foreach (var ip in NetworkAddresses.Shown(settings.MaskIps))
        {
            text.Append("IP: ").Append(ip).Append('\n');
        }

        text.Append("RemoteAddr: ").Append(NetworkAddresses.RemoteAddress(context.Connection)).Append('\n');
        if (ConnectionTls.Of(context) is { } tls)
        {
            text.Append("TLS: ").Append(tls.Protocol).Append(", ALPN ").Append(tls.Alpn ?? "none").Append('\n');
            if (tls.ClientCertificate is { } client)
            {
                text.Append("Certificate[0] Subject: ").Append(client.Subject).Append('\n')
                    .Append("Certificate[0] Issuer: ").Append(client.Issuer).Append('\n')
                    .Append("Certificate[0] Serial: ").Append(client.SerialNumber).Append('\n')
                    .Append("Certificate[0] Valid: ").Append(client.NotBefore.ToString("u")).Append(" to ").Append(client.NotAfter.ToString("u")).Append('\n');
            }
        }

        if (CallerIdentity.Of(request) is { } caller)
        {
            text.Append("Caller: ").Append(caller.Scheme);
            text.Append(caller switch
            {
                { Malformed: { } reason } => $", malformed: {reason}",
                { User: { } user } => $", user {user}",
                { SignatureVerified: false } => " JWT, signature not verified",
                _ => "",
            }).Append('\n');
            if (caller is { JwtHeader: { } jwtHeader, JwtClaims: { } claims })
            {
                text.Append("Caller JWT header: ").Append(jwtHeader.GetRawText()).Append('\n')
                    .Append("Caller JWT claims: ").Append(claims.GetRawText()).Append('\n');
            }
        }

        foreach (var (key, value) in ExposedEnvironment(context, settings) ?? [])
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : request.Path + request.QueryString;
        text.Append(request.Method).Append(' ').Append(target).Append(' ').Append(request.Protocol).Append("\r\n");
        foreach (var (key, values) in HeadersHostFirst(request))
        {
            foreach (var value in values)
            {
                text.Append(key).Append(": ").Append(value).Append("\r\n");
            }
        }

        text.Append("\r\n");

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);

        var head = Encoding.UTF8.GetBytes(text.ToString());
        var response = context.Response;
        control.Apply(response);
        if (!control.AllowsBody)
        {
            return;
        }

        response.ContentType = PlainText.ContentType;
        response.ContentLength = head.Length + body.Length;
        await response.Body.WriteAsync(head, context.RequestAborted);
        await response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted);
    }

    /// <summary>The same facts as JSON, produced by the source-generated <see cref="WhoAmIJsonContext"/>.</summary>
    static async Task RequestAsJson(HttpContext context, IHostNameSource hostName, WhoAmISettings settings, ShutdownSequence shutdown)
    {
        if (await ControlAsAskedAsync(context, shutdown) is not { } control)
        {
            return;
        }

        var request = context.Request;
        // As Go's net/http gives them (traefik/whoami): names in canonical form over HTTP/1.1 and HTTP/2 alike
        // (x-lower is X-Lower), and no Host, which Go takes out of the map (it is "host" below).
        var headers = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, values) in request.Headers)
        {
            if (!string.Equals(key, "Host", StringComparison.OrdinalIgnoreCase))
            {
                var name = CanonicalHeaderName(key);
                string[] arrived = values.ToArray()!;
                headers[name] = headers.TryGetValue(name, out var earlier) ? [.. earlier, .. arrived] : arrived;
            }
        }

        control.Apply(context.Response);
        if (!control.AllowsBody)
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(new ApiInfo(
            Hostname: hostName.GetHostName() ?? "unknown",
            Ip: NetworkAddresses.Shown(settings.MaskIps),
            Headers: headers,
            Url: request.Path + request.QueryString,
            Host: request.Host.Value ?? "",
            Method: request.Method,
            Name: settings.Name,
            RemoteAddr: NetworkAddresses.RemoteAddress(context.Connection),
            Environ: ExposedEnvironment(context, settings),
            Protocol: request.Protocol,
            Tls: ConnectionTls.Of(context),
            Caller: CallerIdentity.Of(request)), WhoAmIJsonContext.Default.ApiInfo, cancellationToken: context.RequestAborted);
    }

    /// <summary>The status and headers the query asks for, after the wait it asks for; null after a 400 (a bad value
    /// is refused before any wait) or when the client went away.</summary>
    static async Task<ResponseControl?> ControlAsAskedAsync(HttpContext context, ShutdownSequence shutdown)
    {
        if (ResponseControl.Parse(context.Request.Query, out var refused) is not { } control)
        {
            await PlainText.BadRequestAsync(context, refused!);
            return null;
        }

        return await WaitAsAskedAsync(context, shutdown) ? control : null;
    }

    /// <summary>
    /// Honours <c>wait=&lt;duration&gt;</c> (at most <see cref="MaxWait"/>). The wait ends early, and the answer
    /// goes out, when the server stops (after any drain); it is dropped when the client goes away. False after a 400.
    /// </summary>
    static async Task<bool> WaitAsAskedAsync(HttpContext context, ShutdownSequence shutdown)
    {
        if (!context.Request.Query.TryGetValue("wait", out var values))
        {
            return true;
        }

        if (values.Count != 1 || !GoDuration.TryParse(values[0], MaxWait, out var wait))
        {
            await PlainText.BadRequestAsync(context, $"wait: '{values}' is not a duration from 0 to {MaxWait.TotalSeconds:0}s, such as 250ms, 2s or 1m");
            return false;
        }

        await shutdown.WaitAsync(wait, context.RequestAborted);
        return !context.RequestAborted.IsCancellationRequested;
    }

    /// <summary>The environment, sorted, only when asked with <c>env=true</c> and allowed by <c>--expose-env</c>.</summary>
    static SortedDictionary<string, string>? ExposedEnvironment(HttpContext context, WhoAmISettings settings)
    {
        if (!settings.ExposeEnvironment || !string.Equals(context.Request.Query["env"], "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        return environment;
    }

    /// <summary>Go's <c>textproto.CanonicalMIMEHeaderKey</c>: the first letter and each letter after a '-' upper
    /// case, the others lower case (Kestrel has already refused names that are not tokens).</summary>
    internal static string CanonicalHeaderName(string name) =>
        string.Create(name.Length, name, static (span, name) =>
        {
            var upper = true;
            for (var i = 0; i < name.Length; i++)
            {
                var c = name[i];
                span[i] = upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c);
                upper = c == '-';
            }
        });

    /// <summary>Host first, as on the wire; Kestrel keeps the others in its own order, not their arrival order.</summary>
    static IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> HeadersHostFirst(HttpRequest request) =>
        request.Headers.OrderBy(h => string.Equals(h.Key, "Host", StringComparison.OrdinalIgnoreCase) ? 0 : 1);
}
