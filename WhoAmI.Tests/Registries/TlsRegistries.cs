using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using WhoAmI.Tests.Containers;

namespace WhoAmI.Tests.Registries;

/// <summary>
/// Two real registries (Debian's <c>docker-registry</c>) as a company runs them: TLS with a certificate from a CA of
/// this run's own, <c>htpasswd</c> (bcrypt) users, and host names that are not localhost (<see cref="TargetHostName"/>,
/// <see cref="MirrorHostName"/>, which /etc/hosts maps to 127.0.0.1; .ci/run adds the line). The target is pushed to
/// and also holds a copy of the base image under <c>mirror/</c>; the mirror holds the base under its own user, as a
/// second company registry would. Both store into this run's temporary folder and stop with the run.
/// The CA is trusted the ways a user would: by .NET through <c>SSL_CERT_FILE</c> (the system bundle plus the CA), by the
/// Docker engine through <c>/etc/docker/certs.d/HOST:PORT/ca.crt</c> (made here, removed after), by skopeo through
/// <c>--cert-dir</c>.
/// </summary>
public sealed class TlsRegistries : IAsyncLifetime
{
    public const string TargetHostName = "registry.whoami.test";
    public const string MirrorHostName = "mirror.whoami.test";

    readonly string _directory = Directory.CreateTempSubdirectory("whoami-registries-").FullName;
    readonly List<string> _engineTrust = [];

    public TlsRegistry Target { get; private set; } = null!;

    public TlsRegistry Mirror { get; private set; } = null!;

    public string? SkipReason { get; private set; }

    /// <summary>The system's CA bundle with the run's CA appended: what <c>SSL_CERT_FILE</c> names.</summary>
    public string CaBundle => Path.Combine(_directory, "ca-bundle.crt");

    /// <summary>A folder holding only <c>ca.crt</c>, the run's CA: skopeo's <c>--cert-dir</c>.</summary>
    public string CertificateDirectory => Path.Combine(_directory, "certs");

    /// <summary>The base image as a build names it from the target registry's <c>mirror/</c> namespace.</summary>
    public string BaseInTarget => $"{Target.Host}/mirror";

    public async ValueTask InitializeAsync()
    {
        SkipReason = await ContainerEngine.MissingReasonAsync() ?? await MissingReasonAsync();
        if (SkipReason is not null)
        {
            return;
        }

        try
        {
            WriteCertificates();
            Target = await TlsRegistry.StartAsync(this, TargetHostName, "target");
            Mirror = await TlsRegistry.StartAsync(this, MirrorHostName, "mirror");
            foreach (var registry in new[] { Target, Mirror })
            {
                TrustInEngine(registry.Host);
            }

            await CopyBaseAsync(Target, "mirror/");
            await CopyBaseAsync(Mirror, "");
        }
        catch
        {
            await DisposeAsync(); // xunit does not dispose a fixture whose start failed
            throw;
        }
    }

    /// <summary><c>dotnet publish -t:PublishContainer</c> to <paramref name="targetRegistry"/>, the base from
    /// <paramref name="baseRegistry"/>, with the release's tags and the run's source labels (the revision is what the
    /// version-tag check compares).</summary>
    public static string[] SdkPush(string baseRegistry, string targetRegistry, string repository, string revision = ContainerImages.SourceRevision) =>
        ["-t:PublishContainer", .. BuildFacts.ReleaseTagArguments, $"-p:BaseImageRegistry={baseRegistry}", $"-p:ContainerRegistry={targetRegistry}", $"-p:ContainerRepository={repository}",
            $"-p:WhoAmISourceUrl={ContainerImages.SourceUrl}", $"-p:WhoAmISourceRevision={revision}", $"-p:SOURCE_DATE_EPOCH={ContainerImages.SourceDateEpoch}"];

    public void SkipUnlessAvailable() => Assert.SkipWhen(SkipReason is not null, $"registry group left out: {SkipReason}");

    /// <summary>Null when the registries can be started here (given a Docker engine); otherwise what to do.</summary>
    public static async Task<string?> MissingReasonAsync() => await MissingToolAsync() ?? MissingHostName();

    static async Task<string?> MissingToolAsync()
    {
        foreach (var (tool, package) in new[] { ("docker-registry", "docker-registry"), ("htpasswd", "apache2-utils"), ("skopeo", "skopeo") })
        {
            if ((await Run.ProcessAsync("sh", ["-c", $"command -v {tool}"], TimeSpan.FromSeconds(10))).ExitCode != 0)
            {
                return $"no {tool} here: install {package} (Debian's; .ci/run does)";
            }
        }

        return null;
    }

    static string? MissingHostName()
    {
        foreach (var name in new[] { TargetHostName, MirrorHostName })
        {
            IPAddress[] addresses;
            try
            {
                addresses = Dns.GetHostAddresses(name);
            }
            catch (SocketException)
            {
                addresses = [];
            }

            if (!addresses.Contains(IPAddress.Loopback))
            {
                return $"{name} does not resolve to 127.0.0.1: add \"127.0.0.1 {TargetHostName} {MirrorHostName}\" to /etc/hosts (.ci/run does)";
            }
        }

        return null;
    }

    void WriteCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=WhoAmI test registry CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={TargetHostName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(TargetHostName);
        names.AddDnsName(MirrorHostName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(Path.Combine(_directory, "server.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_directory, "server.key"), key.ExportPkcs8PrivateKeyPem());
        Directory.CreateDirectory(CertificateDirectory);
        File.WriteAllText(Path.Combine(CertificateDirectory, "ca.crt"), ca.ExportCertificatePem());
        var system = File.Exists("/etc/ssl/certs/ca-certificates.crt") ? File.ReadAllText("/etc/ssl/certs/ca-certificates.crt") : "";
        File.WriteAllText(CaBundle, system + ca.ExportCertificatePem() + "\n");
    }

    void TrustInEngine(string host)
    {
        var folder = $"/etc/docker/certs.d/{host}";
        if (Directory.Exists(folder))
        {
            throw new InvalidOperationException($"{folder} exists already and is not this run's: not touching it");
        }

        Directory.CreateDirectory(folder);
        _engineTrust.Add(folder);
        File.Copy(Path.Combine(CertificateDirectory, "ca.crt"), Path.Combine(folder, "ca.crt"));
    }

    async Task CopyBaseAsync(TlsRegistry registry, string prefix) =>
        await Docker.RunAsync(["copy", "-q", "--all", $"--src-tls-verify={!ContainerEngine.UsesLocalMirror}", "--dest-cert-dir", CertificateDirectory,
            "--dest-authfile", AuthFile(registry), $"docker://{ContainerImages.BaseImage}", $"docker://{registry.Host}/{prefix}{BuildFacts.BaseImageName}"],
            null, "skopeo");

    /// <summary><c>skopeo</c> against <paramref name="registry"/> with its login (from a file: never on a command line,
    /// which a failure message would show) and the run's CA.</summary>
    public Task<string> SkopeoAsync(TlsRegistry registry, string command, params string[] args) =>
        Docker.RunAsync([command, "--authfile", AuthFile(registry), "--cert-dir", CertificateDirectory, .. args], null, "skopeo");

    readonly Dictionary<TlsRegistry, string> _authFiles = [];

    /// <summary>A Docker config file with <paramref name="registry"/>'s login: skopeo's and Podman's <c>--authfile</c>.</summary>
    public string AuthFile(TlsRegistry registry)
    {
        lock (_authFiles)
        {
            return _authFiles.TryGetValue(registry, out var file) ? file : _authFiles[registry] = Path.Combine(DockerConfig(registry), "config.json");
        }
    }

    /// <summary>REPOSITORY:TAG of the target registry copied into an OCI layout of the run's, as its platform image
    /// (the host's platform where it is an index).</summary>
    public async Task<PlatformImage> PulledImageAsync(string image)
    {
        var layout = Path.Combine(_directory, $"layout-{Guid.NewGuid():N}");
        await Docker.RunAsync(["copy", "-q", "--src-authfile", AuthFile(Target), "--src-cert-dir", CertificateDirectory,
            $"docker://{Target.Host}/{image}", $"oci:{layout}:pulled"], null, "skopeo");
        return Assert.Single(await OciImageSource.Layout(layout).PlatformImagesAsync("pulled"));
    }

    /// <summary>The tags of <paramref name="repository"/> in <paramref name="registry"/>; none when it does not exist.</summary>
    public async Task<IReadOnlyList<string>> TagsAsync(TlsRegistry registry, string repository)
    {
        try
        {
            using var json = JsonDocument.Parse(await SkopeoAsync(registry, "list-tags", $"docker://{registry.Host}/{repository}"));
            return json.RootElement.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()!).Order().ToList();
        }
        catch (DockerException e) when (e.Message.Contains("404 (Not Found)", StringComparison.Ordinal))
        {
            return [];
        }
    }

    /// <summary>The digest of the manifest (or index) <paramref name="registry"/> serves for REPOSITORY:TAG.</summary>
    public Task<string> DigestAsync(TlsRegistry registry, string image) =>
        SkopeoAsync(registry, "inspect", "--format", "{{.Digest}}", $"docker://{registry.Host}/{image}");

    /// <summary>The environment of a build or a client that trusts the run's CA the way a user would on Linux, with
    /// an empty Docker config of its own (a user's ~/.docker never answers for these registries), and
    /// <paramref name="more"/>.</summary>
    public Dictionary<string, string?> Environment(params (string Name, string Value)[] more)
    {
        var environment = new Dictionary<string, string?> { ["SSL_CERT_FILE"] = CaBundle, ["DOCKER_CONFIG"] = NewDockerConfigFolder() };
        foreach (var (name, value) in more)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>A Docker config folder whose <c>auths</c> hold <paramref name="registries"/>' logins, as
    /// <c>docker login</c> writes them.</summary>
    public string DockerConfig(params TlsRegistry[] registries)
    {
        var folder = NewDockerConfigFolder();
        var auths = registries.ToDictionary(r => r.Host, r => new Dictionary<string, string> { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(r.Credentials)) });
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object> { ["auths"] = auths }));
        return folder;
    }

    string NewDockerConfigFolder() => Directory.CreateDirectory(Path.Combine(_directory, $"docker-config-{Guid.NewGuid():N}")).FullName;

    public async ValueTask DisposeAsync()
    {
        foreach (var registry in new[] { Target, Mirror }.Where(r => r is not null))
        {
            await registry.DisposeAsync();
        }

        foreach (var folder in _engineTrust)
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One <c>docker-registry serve</c> on 127.0.0.1, a port of its own, TLS and one bcrypt user.</summary>
    public sealed class TlsRegistry : IAsyncDisposable
    {
        readonly System.Diagnostics.Process _process;

        TlsRegistry(string host, string user, string password, System.Diagnostics.Process process) =>
            (Host, User, Password, _process) = (host, user, password, process);

        /// <summary>HOST:PORT, as an image reference names the registry.</summary>
        public string Host { get; }

        public string User { get; }

        /// <summary>New each run; a test checks that no output shows it.</summary>
        public string Password { get; }

        /// <summary>USER:PASSWORD, as skopeo's <c>--creds</c> takes it.</summary>
        public string Credentials => $"{User}:{Password}";

        public override string ToString() => Host;

        internal static async Task<TlsRegistry> StartAsync(TlsRegistries owner, string hostName, string name)
        {
            var folder = Path.Combine(owner._directory, name);
            Directory.CreateDirectory(folder);
            var (user, password) = ($"{name}-user", $"pw-{Guid.NewGuid():N}");
            var (exitCode, htpasswd) = await Run.ProcessAsync("htpasswd", ["-Bbn", user, password], TimeSpan.FromSeconds(30));
            Assert.True(exitCode == 0, $"htpasswd -B failed: {htpasswd}");
            await File.WriteAllTextAsync(Path.Combine(folder, "htpasswd"), htpasswd.Trim() + "\n");

            var port = WhoAmIProcess.FreePort();
            await File.WriteAllTextAsync(Path.Combine(folder, "config.yml"), $"""
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: {folder}/data
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:{port}
                  tls:
                    certificate: {owner._directory}/server.crt
                    key: {owner._directory}/server.key
                auth:
                  htpasswd:
                    realm: {name}
                    path: {folder}/htpasswd
                """);
            var start = new System.Diagnostics.ProcessStartInfo("docker-registry", ["serve", Path.Combine(folder, "config.yml")])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            var process = System.Diagnostics.Process.Start(start)!;
            var log = new StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var registry = new TlsRegistry($"{hostName}:{port}", user, password, process);

            using var http = new HttpClient(new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            }) { Timeout = TimeSpan.FromSeconds(5) };
            for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
            {
                try
                {
                    if ((await http.GetAsync($"https://{registry.Host}/v2/")).StatusCode == HttpStatusCode.Unauthorized)
                    {
                        return registry;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline && !process.HasExited)
                {
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    await registry.DisposeAsync();
                    throw new InvalidOperationException($"docker-registry on {registry.Host} did not answer:\n{log}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
