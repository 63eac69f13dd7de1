using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using WhoAmI.Payloads;

namespace WhoAmI.Tls;

/// <summary>What TLS a request came over, for <c>/</c> and <c>/api</c>: protocol, ALPN, the client's certificate.</summary>
internal static class ConnectionTls
{
    /// <summary>Null on a cleartext connection (h2c included: it has no handshake).</summary>
    public static TlsInfo? Of(HttpContext context)
    {
        if (context.Features.Get<ITlsHandshakeFeature>() is not { } handshake)
        {
            return null;
        }

        var alpn = context.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol is { Length: > 0 } protocol
            ? Encoding.ASCII.GetString(protocol.Span)
            : null;
        var client = context.Connection.ClientCertificate is { } certificate
            ? new ClientCertificateInfo(certificate.Subject, certificate.Issuer, certificate.SerialNumber,
                new DateTimeOffset(certificate.NotBefore.ToUniversalTime()), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()))
            : null;
        return new TlsInfo(handshake.Protocol.ToString(), alpn, client);
    }
}
