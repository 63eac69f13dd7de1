namespace WhoAmI.Payloads;

/// <summary>What <c>/api</c> answers: who answered and what arrived, in traefik/whoami's shape (its field names,
/// <c>environ</c> included, and headers as Go's net/http keeps them).</summary>
internal sealed record ApiInfo(
    string Hostname,
    IReadOnlyList<string> Ip,
    IReadOnlyDictionary<string, string[]> Headers,
    string Url,
    string Host,
    string Method,
    string? Name,
    string RemoteAddr,
    IReadOnlyDictionary<string, string>? Environ,
    string Protocol,
    TlsInfo? Tls,
    CallerInfo? Caller);
