namespace WhoAmI.Payloads;

/// <summary>What <c>/api</c> answers: who answered and what arrived.</summary>
internal sealed record ApiInfo(
    string Hostname,
    IReadOnlyList<string> Ip,
    IReadOnlyDictionary<string, string[]> Headers,
    string Url,
    string Host,
    string Method,
    string? Name,
    string RemoteAddr,
    IReadOnlyDictionary<string, string>? Environment,
    string Protocol,
    TlsInfo? Tls);
