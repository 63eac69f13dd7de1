#:property PublishAot=false
// Before the SDK pushes: what its container tooling (SDK 10.0.401) would report as a stack trace, or not at all.
//  - a registry whose TLS certificate is not trusted (the SDK: MSB4018 and 30 lines of SslStream stack);
//  - a base image in a registry that wants credentials none are set for (the SDK: MSB4018 CredentialRetrievalException;
//    dotnet/sdk#37156: DOTNET_CONTAINER_REGISTRY_UNAME/PWORD are for the registry pushed to, not the base's);
//  - the version tag already in the registry from another source revision (the SDK overwrites it without a word).
// Each ends with one line, naming the registry and the cause, and exit code 1; nothing has been pushed then.
// Wrong credentials and a registry that is down are left to the SDK, whose one line (CONTAINER1016, CONTAINER1013)
// says so already. Credentials are looked up as the SDK does and never printed. Run by Registry.targets beside it:
//   dotnet run --file WhoAmI/build/check-registry.cs -- BASE-REGISTRY TARGET-REGISTRY REPOSITORY VERSION-TAG REVISION
// Stands in for the SDK's own messages, at no cost to the image (it runs at build time only). Delete each check when
// the SDK reports its case in one line: the untrusted certificate and the base's credentials (dotnet/sdk#37156) when
// RegistryFailureTests see the SDK's own line without this script; the version tag when the SDK refuses to overwrite.
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: check-registry BASE-REGISTRY TARGET-REGISTRY REPOSITORY VERSION-TAG REVISION");
    return 2;
}

var (baseRegistry, targetRegistry, repository, versionTag, revision) = (args[0], args[1], args[2], args[3], args[4]);
using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true }) { Timeout = TimeSpan.FromSeconds(30) };

try
{
    foreach (var registry in new[] { baseRegistry, targetRegistry }.Distinct())
    {
        using var answer = await SendAsync($"{Scheme(registry)}://{registry}/v2/", null);
        if (registry == baseRegistry && registry != targetRegistry && answer.StatusCode == HttpStatusCode.Unauthorized && Credentials(registry, push: false) is null)
        {
            return Fail($"registry '{registry}' (the base image's) wants credentials and none are set for it: set DOTNET_CONTAINER_PULL_REGISTRY_UNAME/PWORD, "
                + "or log in to it (docker login writes the Docker config the SDK reads); DOTNET_CONTAINER_REGISTRY_UNAME/PWORD serve only the registry pushed to (dotnet/sdk#37156)");
        }
    }

    var existing = await ReadRevisionAsync(targetRegistry, repository, versionTag);
    if (existing is not null && (existing != revision || revision == "unknown"))
    {
        return Fail($"registry '{targetRegistry}' already has {repository}:{versionTag} from source revision {existing}, and this build is {revision}: "
            + "a version tag is never overwritten with other content; raise Version, or delete the tag in the registry");
    }

    return 0;
}
catch (HttpRequestException e) when (e.InnerException is AuthenticationException tls)
{
    return Fail($"registry '{e.Data["registry"] ?? targetRegistry}': its TLS certificate is not trusted ({tls.Message}): "
        + "trust its CA (SSL_CERT_FILE, or update-ca-certificates; docs/containers.md, \"Publish to your registry\")");
}
catch (HttpRequestException) // not answering: the SDK says so in one line (CONTAINER1013), naming the registry
{
    return 0;
}

static int Fail(string line)
{
    Console.WriteLine(line);
    return 1;
}

// The SDK talks plain HTTP to localhost and to what DOTNET_CONTAINER_INSECURE_REGISTRIES lists.
static string Scheme(string registry) =>
    registry.Split(':')[0] == "localhost" || (Environment.GetEnvironmentVariable("DOTNET_CONTAINER_INSECURE_REGISTRIES") ?? "").Split(';', ',').Contains(registry)
        ? "http" : "https";

// The revision label of REPOSITORY:TAG (of an index: of its first image), or null when the tag does not exist.
async Task<string?> ReadRevisionAsync(string registry, string repository, string tag)
{
    var manifest = await GetAsync(registry, repository, $"manifests/{tag}");
    if (manifest is null)
    {
        return null;
    }

    using var document = JsonDocument.Parse(manifest);
    if (document.RootElement.TryGetProperty("manifests", out var images))
    {
        return await ReadRevisionAsync(registry, repository, images[0].GetProperty("digest").GetString()!);
    }

    using var config = JsonDocument.Parse(await GetAsync(registry, repository, $"blobs/{document.RootElement.GetProperty("config").GetProperty("digest").GetString()}")
        ?? throw new InvalidOperationException($"{registry}: {repository}:{tag} names a config it does not serve"));
    return config.RootElement.GetProperty("config").TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object
        && labels.TryGetProperty("org.opencontainers.image.revision", out var value) ? value.GetString() : "unknown";
}

// GET /v2/REPOSITORY/PATH with the registry's auth handshake (Basic, or a Bearer token from its realm); null on 404.
async Task<string?> GetAsync(string registry, string repository, string path)
{
    var uri = $"{Scheme(registry)}://{registry}/v2/{repository}/{path}";
    var answer = await SendAsync(uri, null);
    if (answer.StatusCode == HttpStatusCode.Unauthorized && answer.Headers.WwwAuthenticate.FirstOrDefault() is { } challenge)
    {
        answer.Dispose(); // the challenge is read; the retry below is the answer
        var credentials = Credentials(registry, push: true);
        var basic = credentials is null ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        var authorization = challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
            ? new AuthenticationHeaderValue("Bearer", await TokenAsync(challenge.Parameter ?? "", repository, basic))
            : basic;
        answer = await SendAsync(uri, authorization);
    }

    // A registry that refuses the lookup (401, 403) refuses the push too, and the SDK says so in one line.
    using (answer)
    {
        return answer.StatusCode == HttpStatusCode.NotFound || !answer.IsSuccessStatusCode ? null : await answer.Content.ReadAsStringAsync();
    }
}

async Task<HttpResponseMessage> SendAsync(string uri, AuthenticationHeaderValue? authorization)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, uri) { Headers = { Authorization = authorization } };
    foreach (var type in new[] { "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                 "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json" })
    {
        request.Headers.Accept.ParseAdd(type);
    }

    try
    {
        return await http.SendAsync(request);
    }
    catch (HttpRequestException e)
    {
        e.Data["registry"] = new Uri(uri).Authority;
        throw;
    }
}

async Task<string> TokenAsync(string challenge, string repository, AuthenticationHeaderValue? basic)
{
    var parameters = challenge.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim('"'));
    var query = $"service={Uri.EscapeDataString(parameters.GetValueOrDefault("service", ""))}&scope={Uri.EscapeDataString($"repository:{repository}:pull")}";
    using var request = new HttpRequestMessage(HttpMethod.Get, $"{parameters["realm"]}?{query}") { Headers = { Authorization = basic } };
    using var answer = await http.SendAsync(request);
    using var token = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
    return (token.RootElement.TryGetProperty("token", out var t) ? t : token.RootElement.GetProperty("access_token")).GetString()!;
}

// "user:password" as SDK 10.0.401's container tooling finds it; Registries/CredentialLookupTests hold each path to the
// SDK's own push. For the registry pushed to DOTNET_CONTAINER_PUSH_REGISTRY_UNAME/PWORD, DOTNET_CONTAINER_REGISTRY_UNAME/PWORD
// or SDK_CONTAINER_REGISTRY_UNAME/PWORD (not SDK_CONTAINER_PUSH_…); for the base DOTNET_CONTAINER_PULL_REGISTRY_UNAME/PWORD
// only (not SDK_CONTAINER_PULL_…). Then the config files Valleysoft.DockerCredsProvider reads for the SDK, the first that answers: Podman's
// $XDG_RUNTIME_DIR/containers/auth.json and ($XDG_CONFIG_DIR or ~/.config)/containers/auth.json, then Docker's
// ($DOCKER_CONFIG or ~/.docker)/config.json. In each: credHelpers for the registry, else credsStore (for every registry,
// before auths), else the auths entry named as the registry (or https:// and the registry), and only its "auth":
// the SDK does not read "username" and "password".
static string? Credentials(string registry, bool push)
{
    foreach (var pair in push ? new[] { "DOTNET_CONTAINER_PUSH_REGISTRY", "DOTNET_CONTAINER_REGISTRY", "SDK_CONTAINER_REGISTRY" } : ["DOTNET_CONTAINER_PULL_REGISTRY"])
    {
        if (Environment.GetEnvironmentVariable($"{pair}_UNAME") is { Length: > 0 } user
            && Environment.GetEnvironmentVariable($"{pair}_PWORD") is { Length: > 0 } password)
        {
            return $"{user}:{password}";
        }
    }

    var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
    string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
    var files = new List<string>();
    if (Variable("XDG_RUNTIME_DIR") is { } runtime)
    {
        files.Add(Path.Combine(runtime, "containers", "auth.json"));
    }

    // XDG_CONFIG_DIR, not XDG_CONFIG_HOME: the variable Valleysoft.DockerCredsProvider reads, so the one the SDK does.
    files.Add(Path.Combine(Variable("XDG_CONFIG_DIR") ?? Path.Combine(home, ".config"), "containers", "auth.json"));
    files.Add(Path.Combine(Variable("DOCKER_CONFIG") ?? Path.Combine(home, ".docker"), "config.json"));
    foreach (var file in files.Where(File.Exists))
    {
        using var config = JsonDocument.Parse(File.ReadAllText(file));
        var root = config.RootElement;
        if (root.TryGetProperty("credHelpers", out var helpers) && helpers.TryGetProperty(registry, out var named))
        {
            return FromHelper(named.GetString()!, registry);
        }

        if (root.TryGetProperty("credsStore", out var store))
        {
            return FromHelper(store.GetString()!, registry);
        }

        if (root.TryGetProperty("auths", out var auths))
        {
            foreach (var name in new[] { registry, $"https://{registry}" })
            {
                if (auths.TryGetProperty(name, out var entry))
                {
                    return entry.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded
                        ? Encoding.UTF8.GetString(Convert.FromBase64String(encoded)) : null;
                }
            }
        }
    }

    return null;
}

// docker-credential-HELPER get, with the registry on standard input: {"Username": …, "Secret": …}.
static string? FromHelper(string helper, string registry)
{
    try
    {
        using var process = Process.Start(new ProcessStartInfo($"docker-credential-{helper}", "get")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        process.StandardInput.Write(registry);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            return null;
        }

        using var answer = JsonDocument.Parse(output);
        return $"{answer.RootElement.GetProperty("Username").GetString()}:{answer.RootElement.GetProperty("Secret").GetString()}";
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return null;
    }
}
