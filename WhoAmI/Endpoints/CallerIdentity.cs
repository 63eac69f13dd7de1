using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using WhoAmI.Payloads;

namespace WhoAmI.Endpoints;

/// <summary>
/// Reads the caller's <c>Authorization</c> header for <c>/</c> and <c>/api</c> (<see cref="CallerInfo"/>). Nothing is
/// verified: a whoami server shows what arrived. Any input gives an answer, at worst "malformed" with the reason.
/// </summary>
/// <remarks>
/// Stands in for Microsoft.IdentityModel.JsonWebTokens' <c>JsonWebToken</c>, which reads the same two JSON parts: a
/// JWT here is two base64url JSON objects, decoded with System.Text.Json, already in the binary. CallerIdentityTests
/// hold it to that library (test-only) on tokens the library writes. It can go when the answer needs what only the
/// library does (verifying a signature against a key) or when its +74,032 bytes (measured, docs/tuning.md, issue 34)
/// stop mattering: the library then parses, and this class maps its result to <see cref="CallerInfo"/>.
/// </remarks>
internal static class CallerIdentity
{
    /// <summary>The caller's identity, or null when the request has no <c>Authorization</c> header.</summary>
    public static CallerInfo? Of(HttpRequest request)
    {
        var values = request.Headers.Authorization;
        if (values.Count == 0)
        {
            return null;
        }

        var value = values[0] ?? "";
        var space = value.IndexOf(' ');
        var scheme = space > 0 ? value[..space] : value;
        var credentials = space > 0 ? value[(space + 1)..].Trim() : "";
        if (values.Count > 1)
        {
            return new CallerInfo(scheme, Malformed: $"{values.Count} Authorization headers, where one is allowed: none is read");
        }

        return scheme.ToLowerInvariant() switch
        {
            "bearer" => Bearer(scheme, credentials),
            "basic" => Basic(scheme, credentials),
            // Another scheme's credentials (Digest, AWS4-HMAC-SHA256, …) are not shown here: only its name.
            _ => new CallerInfo(scheme),
        };
    }

    static CallerInfo Bearer(string scheme, string token)
    {
        var parts = token.Split('.');
        if (parts.Length == 5)
        {
            return new CallerInfo(scheme, Malformed: "an encrypted JWT (JWE, five parts): not decoded");
        }

        if (parts.Length != 3)
        {
            return new CallerInfo(scheme, Malformed: $"not a JWT: {parts.Length} part{(parts.Length == 1 ? "" : "s")}, where a JWT has three separated by '.'");
        }

        if (Json(parts[0]) is not { } header)
        {
            return new CallerInfo(scheme, Malformed: "not a JWT: its header is not a base64url JSON object");
        }

        return Json(parts[1]) is { } claims
            ? new CallerInfo(scheme, JwtHeader: header, JwtClaims: claims, SignatureVerified: false)
            : new CallerInfo(scheme, JwtHeader: header, Malformed: "not a JWT: its claims are not a base64url JSON object");
    }

    /// <summary>A base64url JSON object (RFC 7515 §2: no padding), or null.</summary>
    static JsonElement? Json(string part)
    {
        // IsValid first: TryDecodeFromChars throws on a character outside the alphabet instead of saying false.
        var bytes = new byte[Base64Url.GetMaxDecodedLength(part.Length)];
        if (part.Length == 0 || !Base64Url.IsValid(part) || !Base64Url.TryDecodeFromChars(part, bytes, out var length))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(bytes.AsMemory(0, length));
            return json.RootElement.ValueKind == JsonValueKind.Object ? json.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The user name of <c>user:password</c> (RFC 7617), never the password.</summary>
    static CallerInfo Basic(string scheme, string credentials)
    {
        var bytes = new byte[credentials.Length];
        if (!Convert.TryFromBase64String(credentials, bytes, out var length))
        {
            return new CallerInfo(scheme, Malformed: "the credentials are not base64");
        }

        var decoded = Encoding.UTF8.GetString(bytes, 0, length);
        var colon = decoded.IndexOf(':');
        return colon >= 0
            ? new CallerInfo(scheme, User: decoded[..colon])
            : new CallerInfo(scheme, Malformed: "no ':' between the user and the password");
    }
}
