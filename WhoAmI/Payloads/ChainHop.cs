using System.Text.Json;

namespace WhoAmI.Payloads;

/// <summary>
/// What <c>GET /chain</c> answers: this hop (who answered, from where it was called, in which trace, how long it
/// took) and each backend's answer, in the order of <c>--backend</c>.
/// </summary>
/// <param name="Hop">1 for the first server called, one more at each hop.</param>
/// <param name="Stopped">Why the backends were not called (the hop limit, no time left), or null.</param>
internal sealed record ChainHop(
    int Hop,
    string? Name,
    string Hostname,
    IReadOnlyList<string> Ip,
    string RemoteAddr,
    string? TraceId,
    double DurationMs,
    IReadOnlyList<BackendAnswer> Backends,
    string? Stopped);

/// <summary>
/// One backend's part: its URL as configured, how long the call took, and either its status with what it answered
/// (another hop as JSON, or the start of any other body) or, when nothing came back, the error (down, timed out).
/// </summary>
internal sealed record BackendAnswer(
    string Url,
    double DurationMs,
    int? Status = null,
    JsonElement? Answer = null,
    string? Body = null,
    string? Error = null);
