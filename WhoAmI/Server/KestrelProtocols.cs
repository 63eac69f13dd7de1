using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using WhoAmI.Tls;

namespace WhoAmI.Server;

/// <summary>
/// HTTP/1.1 and HTTP/2 on every endpoint: by ALPN over TLS, by prior knowledge in cleartext; and, with
/// <c>--cert</c>, HTTPS from that certificate, requiring client certificates when <c>--cacert</c> names their CAs.
/// https://learn.microsoft.com/aspnet/core/fundamentals/servers/kestrel/endpoints
/// </summary>
internal static class KestrelProtocols
{
    public static void Apply(KestrelServerOptions options, TlsCertificates? tls)
    {
        // An h2c request says :scheme http on a connection that Http2PriorKnowledge marks as ALPN-negotiated.
        options.AllowAlternateSchemes = true;
        var peekTimeout = options.Limits.RequestHeadersTimeout;
        // Protocols stay at Kestrel's default, Http1AndHttp2. Setting them explicitly makes Kestrel warn that a
        // cleartext endpoint "will use HTTP/1.1", which Http2PriorKnowledge makes untrue here.
        options.ConfigureEndpointDefaults(listen =>
            listen.Use(next => connection => Http2PriorKnowledge.DetectAsync(connection, () => next(connection), peekTimeout)));

        if (tls is null)
        {
            return;
        }

        options.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = tls.Server;
            if (tls.ClientAuthorities is not null)
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.CheckCertificateRevocation = false;
                https.ClientCertificateValidation = (certificate, _, _) => tls.IsAcceptedClient(certificate);
            }
        });
    }
}
