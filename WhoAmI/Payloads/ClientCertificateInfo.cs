namespace WhoAmI.Payloads;

/// <summary>The certificate a client presented under mutual TLS.</summary>
internal sealed record ClientCertificateInfo(string Subject, string Issuer, string SerialNumber, DateTimeOffset NotBefore, DateTimeOffset NotAfter);
