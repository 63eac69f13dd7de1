using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using WhoAmI.Settings;

namespace WhoAmI.Tls;

/// <summary>
/// The server certificate from <c>--cert</c>/<c>--key</c> and, for mutual TLS, the client CAs from <c>--cacert</c>,
/// loaded and checked before anything listens: a bad file is one line and exit code 2, never a half-started server.
/// </summary>
internal sealed class TlsCertificates(X509Certificate2 server, X509Certificate2Collection? clientAuthorities)
{
    public X509Certificate2 Server { get; } = server;

    /// <summary>The CAs a client certificate must chain to; null when client certificates are not asked for.</summary>
    public X509Certificate2Collection? ClientAuthorities { get; } = clientAuthorities;

    /// <summary>Null when neither <c>--cert</c> nor <c>--key</c> is given. <paramref name="warn"/> gets one line for
    /// an expired or not yet valid certificate, which still serves (a test of a proxy may want exactly that).</summary>
    public static TlsCertificates? Load(WhoAmISettings settings, Action<string> warn)
    {
        switch (settings.CertFile, settings.KeyFile)
        {
            case (null, null) when settings.CaCertFile is not null:
                throw new SettingsException("--cacert needs --cert and --key: client certificates are asked for over HTTPS only");
            case (null, null):
                return null;
            case (null, _):
                throw new SettingsException("--key needs --cert");
            case (_, null):
                throw new SettingsException("--cert needs --key");
        }

        var certPem = ReadPem("--cert", settings.CertFile, "CERTIFICATE");
        var keyPem = ReadPem("--key", settings.KeyFile, "PRIVATE KEY");
        X509Certificate2 server;
        try
        {
            server = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // The exception's own text is a resource key in this build (UseSystemResourceKeys): say it in words.
            throw new SettingsException($"--key: '{settings.KeyFile}' is not the private key of the certificate in '{settings.CertFile}'");
        }

        var now = DateTime.Now;
        if (now > server.NotAfter || now < server.NotBefore)
        {
            warn($"warning: the certificate in '{settings.CertFile}' is valid from {server.NotBefore:u} to {server.NotAfter:u} only; serving it anyway");
        }

        X509Certificate2Collection? authorities = null;
        if (settings.CaCertFile is { } caFile)
        {
            authorities = [];
            authorities.ImportFromPem(ReadPem("--cacert", caFile, "CERTIFICATE"));
        }

        // Kestrel's SslStream needs the key in a form it can use on every platform: export and re-import once.
        return new(X509CertificateLoader.LoadPkcs12(server.Export(X509ContentType.Pkcs12), null), authorities);
    }

    /// <summary>
    /// A client certificate is accepted when it chains to one of the <see cref="ClientAuthorities"/>, or when it is
    /// the server's own certificate: <c>WhoAmI --probe</c> holds the server's key, and presents it under mutual TLS.
    /// </summary>
    public bool IsAcceptedClient(X509Certificate2 certificate)
    {
        if (ClientAuthorities is null)
        {
            return true;
        }

        if (certificate.RawDataMemory.Span.SequenceEqual(Server.RawDataMemory.Span))
        {
            return true;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ClientAuthorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    static string ReadPem(string flag, string path, string label)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"{flag}: cannot read '{path}': {e.Message}");
        }

        return text.Contains("-----BEGIN ", StringComparison.Ordinal) && text.Contains(label, StringComparison.Ordinal)
            ? text
            : throw new SettingsException($"{flag}: '{path}' holds no PEM {label.ToLowerInvariant()}");
    }
}
