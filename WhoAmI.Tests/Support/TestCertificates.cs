using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WhoAmI.Tests.Support;

/// <summary>
/// A CA, a server certificate for localhost and 127.0.0.1, a client certificate from that CA, one from another
/// CA and an expired server certificate, made by the test run itself (no private key is ever committed) and
/// written as PEM files, readable by the image's app user, to a folder of their own.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("whoami-tls-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // Mounted into a container, the folder must be readable by the image's non-root user.
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var now = DateTimeOffset.UtcNow;
        Authority = CreateAuthority("CN=WhoAmI test CA", now);
        using var other = CreateAuthority("CN=Some other CA", now);
        Server = Issue(Authority, "CN=localhost", now.AddHours(-1), now.AddDays(2), serverAuth: true);
        Client = Issue(Authority, "CN=client-1.example.internal", now.AddHours(-1), now.AddDays(2), serverAuth: false);
        OtherClient = Issue(other, "CN=intruder", now.AddHours(-1), now.AddDays(2), serverAuth: false);
        using var expired = Issue(Authority, "CN=localhost", now.AddDays(-10), now.AddDays(-1), serverAuth: true);
        Write("ca.pem", Authority.ExportCertificatePem());
        Write("server.pem", Server.ExportCertificatePem());
        Write("server.key", Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        Write("expired.pem", expired.ExportCertificatePem());
        Write("expired.key", expired.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        Write("other.key", other.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        Write("not-pem.txt", "this is not a certificate\n");
    }

    public string Directory { get; }

    public X509Certificate2 Authority { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public X509Certificate2 OtherClient { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>The server flags for HTTPS, and with <paramref name="mutual"/> for mutual TLS too.</summary>
    public string[] ServerArgs(bool mutual = false) =>
        ["--cert", PathOf("server.pem"), "--key", PathOf("server.key"), .. mutual ? new[] { "--cacert", PathOf("ca.pem") } : []];

    /// <summary>A client handler that trusts only the test CA, presenting <paramref name="clientCertificate"/> if given.</summary>
    public SocketsHttpHandler Handler(X509Certificate2? clientCertificate = null) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = TrustsOnlyAuthority,
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
        },
    };

    /// <summary>A client's check of the server's certificate: it must chain to the test CA.</summary>
    public bool TrustsOnlyAuthority(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && ChainsToAuthority(new X509Certificate2(certificate));

    bool ChainsToAuthority(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
        Client.Dispose();
        OtherClient.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    void Write(string name, string text)
    {
        File.WriteAllText(PathOf(name), text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PathOf(name), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    static X509Certificate2 CreateAuthority(string subject, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(now.AddDays(-30), now.AddDays(3));
    }

    static X509Certificate2 Issue(X509Certificate2 authority, string subject, DateTimeOffset from, DateTimeOffset to, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(authority, from, to, serial);
        return issued.CopyWithPrivateKey(key);
    }
}
