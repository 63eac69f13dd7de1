using System.Text.Json;

namespace WhoAmI.Payloads;

/// <summary>
/// Who the caller says it is, from its <c>Authorization</c> header, as a forward-auth proxy or a mesh passed it on:
/// the scheme; for <c>Basic</c> the user name (never the password); for a <c>Bearer</c> JWT its header and claims,
/// decoded but not verified (no key, no signature check: <see cref="SignatureVerified"/> is always false); what is
/// wrong with a credential that cannot be read.
/// </summary>
internal sealed record CallerInfo(
    string Scheme,
    string? User = null,
    JsonElement? JwtHeader = null,
    JsonElement? JwtClaims = null,
    bool? SignatureVerified = null,
    string? Malformed = null);
