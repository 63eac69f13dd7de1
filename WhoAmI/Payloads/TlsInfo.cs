namespace WhoAmI.Payloads;

/// <summary>The TLS a request came over: protocol (e.g. Tls13), the ALPN protocol chosen, the client's certificate.</summary>
internal sealed record TlsInfo(string Protocol, string? Alpn, ClientCertificateInfo? ClientCertificate);
