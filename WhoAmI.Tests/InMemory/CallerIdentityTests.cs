using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WhoAmI.Tests.InMemory;

/// <summary>
/// The caller's identity on <c>/</c> and <c>/api</c>, held to Microsoft.IdentityModel.JsonWebTokens (test-only): the
/// tokens are written by the library, and what WhoAmI decodes must be what the library reads back. Nothing is verified.
/// </summary>
public sealed class CallerIdentityTests
{
    static async Task<JsonElement> CallerAsync(WhoAmIFactory app, string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await app.CreateClient().SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("caller").Clone();
    }

    [Fact]
    public async Task A_bearer_jwt_written_by_the_library_is_shown_with_the_header_and_claims_the_library_reads_unverified()
    {
        await using var app = new WhoAmIFactory();
        var random = new Random(20261205);
        using var rsa = RSA.Create(2048);
        for (var i = 0; i < 20; i++)
        {
            var claims = new Dictionary<string, object>
            {
                ["sub"] = $"user-{random.Next()}", ["iss"] = "https://auth.example.com", ["aud"] = "whoami",
                ["roles"] = new[] { "reader", $"team-{random.Next(10)}" }, ["n"] = random.Next(), ["ünïcode"] = "✓ 日本",
            };
            var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Claims = claims, Expires = DateTime.UtcNow.AddHours(1),
                SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = $"key-{i}" }, SecurityAlgorithms.RsaSha256),
            });
            var library = new JsonWebToken(token);

            var caller = await CallerAsync(app, $"Bearer {token}");

            Assert.Equal("Bearer", caller.GetProperty("scheme").GetString());
            Assert.False(caller.GetProperty("signatureVerified").GetBoolean());
            Assert.Equal(library.Alg, caller.GetProperty("jwtHeader").GetProperty("alg").GetString());
            Assert.Equal(library.Kid, caller.GetProperty("jwtHeader").GetProperty("kid").GetString());
            var shown = caller.GetProperty("jwtClaims");
            foreach (var claim in library.Claims)
            {
                var value = shown.GetProperty(claim.Type);
                Assert.Contains(claim.Value, value.ValueKind == JsonValueKind.Array
                    ? value.EnumerateArray().Select(v => v.ToString()) : [value.ToString()]);
            }

            Assert.Equal(library.Claims.Select(c => c.Type).Distinct().Order(), shown.EnumerateObject().Select(p => p.Name).Order());
        }
    }

    [Theory]
    [InlineData("Bearer abc.def", "not a JWT: 2 parts, where a JWT has three separated by '.'")]
    [InlineData("Bearer opaque-token", "not a JWT: 1 part, where a JWT has three separated by '.'")]
    [InlineData("Bearer !!!.e30.sig", "not a JWT: its header is not a base64url JSON object")]
    [InlineData("Bearer e30.bm90IGpzb24.sig", "not a JWT: its claims are not a base64url JSON object")]
    [InlineData("Bearer WzFd.e30.sig", "not a JWT: its header is not a base64url JSON object")] // [1]: JSON, not an object
    [InlineData("Bearer a.b.c.d.e", "an encrypted JWT (JWE, five parts): not decoded")]
    [InlineData("Basic %%%", "the credentials are not base64")]
    [InlineData("Basic YWxpY2U=", "no ':' between the user and the password")] // "alice"
    public async Task Malformed_credentials_are_shown_as_malformed_with_the_reason_never_a_5xx(string authorization, string reason)
    {
        await using var app = new WhoAmIFactory();

        Assert.Equal(reason, (await CallerAsync(app, authorization)).GetProperty("malformed").GetString());
    }

    [Fact]
    public async Task A_huge_token_of_20_kb_is_decoded_whole()
    {
        await using var app = new WhoAmIFactory();
        var claims = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { sub = "big", pad = new string('x', 20_000) }));

        var caller = await CallerAsync(app, $"Bearer e30.{claims}.sig");

        Assert.Equal(20_000, caller.GetProperty("jwtClaims").GetProperty("pad").GetString()!.Length);
    }

    [Fact]
    public async Task Basic_shows_the_user_and_never_the_password_on_both_endpoints()
    {
        await using var app = new WhoAmIFactory();
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cr3t:with:colons"));

        var caller = await CallerAsync(app, $"Basic {credentials}");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        var text = await (await app.CreateClient().SendAsync(request, Cancel)).Content.ReadAsStringAsync(Cancel);

        Assert.Equal("alice", caller.GetProperty("user").GetString());
        Assert.DoesNotContain("s3cr3t", caller.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("Caller: Basic, user alice\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_text_answer_shows_the_jwt_unverified_and_another_scheme_by_its_name_only()
    {
        await using var app = new WhoAmIFactory();

        var jwt = await TextAsync(app, "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.");
        var other = await TextAsync(app, "Digest username=\"alice\", response=\"secret-hash\"");
        var none = await TextAsync(app, null);

        Assert.Contains("Caller: Bearer JWT, signature not verified\nCaller JWT header: {\"alg\":\"none\"}\nCaller JWT claims: {\"sub\":\"alice\"}\n", jwt, StringComparison.Ordinal);
        Assert.Contains("Caller: Digest\n", other, StringComparison.Ordinal);
        Assert.DoesNotContain("Caller:", none, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mask_ips_leaves_this_servers_addresses_out_of_text_and_json()
    {
        await using var masked = new WhoAmIFactory(settings: WhoAmISettings.Parse(["--mask-ips"], _ => null));
        await using var plain = new WhoAmIFactory();

        var text = await TextAsync(masked, null);
        var json = JsonDocument.Parse(await masked.CreateClient().GetStringAsync("/api", Cancel)).RootElement;

        Assert.DoesNotContain("\nIP: ", text, StringComparison.Ordinal);
        Assert.Contains("\nIP: ", await TextAsync(plain, null), StringComparison.Ordinal);
        Assert.Equal(0, json.GetProperty("ip").GetArrayLength());
        Assert.Contains("RemoteAddr: ", text, StringComparison.Ordinal);
    }

    static async Task<string> TextAsync(WhoAmIFactory app, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await (await app.CreateClient().SendAsync(request, Cancel)).Content.ReadAsStringAsync(Cancel);
    }
}
