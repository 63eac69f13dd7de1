using System.Net.Security;
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
            // Without --cacert a client certificate is asked for and shown, never required (as traefik/whoami does),
            // so the certificate a proxy presents can be seen without enforcing mutual TLS.
            https.ClientCertificateMode = tls.ClientAuthorities is null ? ClientCertificateMode.AllowCertificate : ClientCertificateMode.RequireCertificate;
            https.CheckCertificateRevocation = false;
            https.ClientCertificateValidation = (certificate, _, _) => tls.IsAcceptedClient(certificate);
            if (OperatingSystem.IsLinux())
            {
                var aeadOnly = new CipherSuitesPolicy(AeadSuites);
                https.OnAuthenticate = (_, ssl) => ssl.CipherSuitesPolicy = aeadOnly;
            }
        });
    }

    /// <summary>
    /// Mozilla's "intermediate" suites: TLS 1.3's, and for TLS 1.2 ECDHE and DHE with AES-GCM or ChaCha20-Poly1305
    /// only. OpenSSL's default list also offers CBC suites with SHA-1 and SHA-2 MACs, which scanners flag (LUCKY13).
    /// https://wiki.mozilla.org/Security/Server_Side_TLS (CipherSuitesPolicy is not on Windows; set on Linux only.)
    /// </summary>
    static readonly TlsCipherSuite[] AeadSuites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, TlsCipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];
}
