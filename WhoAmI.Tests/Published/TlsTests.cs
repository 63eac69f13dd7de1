using System.Net.Security;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace WhoAmI.Tests.Published;

/// <summary>HTTPS, mutual TLS and HTTP/2 on the published binary, with real handshakes and certificates the
/// tests make themselves.</summary>
[Collection(PublishedCollection.Name)]
public sealed class TlsTests(PublishedWhoAmI published) : IDisposable
{
    readonly TestCertificates _certificates = new();


    public void Dispose() => _certificates.Dispose();

    static HttpRequestMessage Get(string path, Version version) =>
        new(HttpMethod.Get, path) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    [Fact]
    public async Task Https_answers_whoami_over_http11_and_over_http2_chosen_by_alpn()
    {
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(), tlsHandler: _certificates.Handler());

        var http11 = await app.Client.SendAsync(Get("/whoami", HttpVersion.Version11), Cancel);
        var http2 = await app.Client.SendAsync(Get("/whoami", HttpVersion.Version20), Cancel);

        Assert.Equal(HttpVersion.Version11, http11.Version);
        Assert.Equal(HttpVersion.Version20, http2.Version);
        Assert.Equal(ProcHostName.Read(), await http2.Content.ReadAsStringAsync(Cancel));
        var root = await (await app.Client.SendAsync(Get("/", HttpVersion.Version20), Cancel)).Content.ReadAsStringAsync(Cancel);
        Assert.Contains("\nTLS: Tls13, ALPN h2\n", root);
        Assert.Contains("\nGET / HTTP/2\r\n", root);
    }

    [Fact]
    public async Task Cleartext_port_answers_http2_with_prior_knowledge_and_http11_alike()
    {
        await using var app = await published.StartAsync();

        var http2 = await app.Client.SendAsync(Get("/whoami", HttpVersion.Version20), Cancel);
        var http11 = await app.Client.SendAsync(Get("/whoami", HttpVersion.Version11), Cancel);
        using var api = JsonDocument.Parse(await (await app.Client.SendAsync(Get("/api", HttpVersion.Version20), Cancel)).Content.ReadAsStringAsync(Cancel));

        Assert.Equal(HttpVersion.Version20, http2.Version);
        Assert.Equal(HttpVersion.Version11, http11.Version);
        Assert.Equal(await http11.Content.ReadAsStringAsync(Cancel), await http2.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("HTTP/2", api.RootElement.GetProperty("protocol").GetString());
        Assert.False(api.RootElement.TryGetProperty("tls", out _), "an h2c request is not TLS");
    }

    /// <summary>Over HTTP/2 every name arrives lower case; /api still gives Go's canonical names, and no Host.</summary>
    [Fact]
    public async Task Api_over_http2_gives_canonical_header_names_and_no_host()
    {
        await using var app = await published.StartAsync();
        var request = Get("/api", HttpVersion.Version20);
        request.Headers.TryAddWithoutValidation("X-Trace-Id", "abc");

        using var api = JsonDocument.Parse(await (await app.Client.SendAsync(request, Cancel)).Content.ReadAsStringAsync(Cancel));
        var names = api.RootElement.GetProperty("headers").EnumerateObject().Select(h => h.Name).ToList();

        Assert.Equal("HTTP/2", api.RootElement.GetProperty("protocol").GetString());
        Assert.Contains("X-Trace-Id", names);
        Assert.DoesNotContain("x-trace-id", names);
        Assert.DoesNotContain(names, n => n.Equals("Host", StringComparison.OrdinalIgnoreCase) || n.StartsWith(':'));
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task Data_ranges_waits_and_health_behave_the_same_over_tls(string version)
    {
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(), tlsHandler: _certificates.Handler());
        var http = Version.Parse(version);

        var data = await app.Client.SendAsync(Get("/data?size=3&unit=mb", http), Cancel);
        Assert.Equal(3L << 20, (await data.Content.ReadAsByteArrayAsync(Cancel)).LongLength);
        var range = Get("/data?size=1&unit=mb&attachment=true", http);
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 9);
        var partial = await app.Client.SendAsync(range, Cancel);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("|ABCDEFGHI", await partial.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(Get("/api?wait=100ms", http), Cancel)).StatusCode);
        var post = new HttpRequestMessage(HttpMethod.Post, "/health") { Version = http, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new StringContent("503") };
        await app.Client.SendAsync(post, Cancel);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.Client.SendAsync(Get("/health", http), Cancel)).StatusCode);
    }

    [Fact]
    public async Task Websocket_echo_works_over_tls()
    {
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(), tlsHandler: _certificates.Handler());
        using var socket = new ClientWebSocket();
        using var invoker = new HttpMessageInvoker(_certificates.Handler());

        await socket.ConnectAsync(new Uri($"wss://localhost:{app.BaseAddress.Port}/echo"), invoker, Cancel);
        await socket.SendAsync("over tls"u8.ToArray(), WebSocketMessageType.Text, true, Cancel);
        var buffer = new byte[64];
        var received = await socket.ReceiveAsync(buffer, Cancel);

        Assert.Equal("over tls", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Cancel);
    }

    [Fact]
    public async Task Mutual_tls_shows_the_client_certificate_on_root_and_api()
    {
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(mutual: true),
            tlsHandler: _certificates.Handler(_certificates.Client));

        var root = await app.Client.GetStringAsync("/", Cancel);
        using var api = JsonDocument.Parse(await app.Client.GetStringAsync("/api", Cancel));

        Assert.Contains("\nCertificate[0] Subject: CN=client-1.example.internal\n", root);
        Assert.Contains("\nCertificate[0] Issuer: CN=WhoAmI test CA\n", root);
        Assert.Contains($"\nCertificate[0] Serial: {_certificates.Client.SerialNumber}\n", root);
        var client = api.RootElement.GetProperty("tls").GetProperty("clientCertificate");
        Assert.Equal("CN=client-1.example.internal", client.GetProperty("subject").GetString());
        Assert.Equal(_certificates.Client.NotAfter.ToUniversalTime(), client.GetProperty("notAfter").GetDateTimeOffset().UtcDateTime);
    }

    /// <summary>With <c>--cert</c> alone a client certificate is asked for and shown, whoever signed it, and none is
    /// required: what a proxy presents can be seen without enforcing mutual TLS (traefik/whoami does the same).</summary>
    [Fact]
    public async Task A_certificate_alone_asks_for_a_client_certificate_shows_it_and_requires_none()
    {
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(), tlsHandler: _certificates.Handler(_certificates.OtherClient));
        using var anonymous = new HttpClient(_certificates.Handler()) { BaseAddress = app.BaseAddress };

        var presented = await app.Client.GetStringAsync("/", Cancel);
        var none = await anonymous.GetStringAsync("/", Cancel);

        Assert.Contains($"\nCertificate[0] Subject: {_certificates.OtherClient.Subject}\n", presented);
        Assert.DoesNotContain("Certificate[0]", none);
    }

    /// <summary>TLS 1.2 with AEAD suites only (Mozilla's intermediate profile): a client that offers nothing but a CBC
    /// suite gets no handshake. OpenSSL's defaults, which Kestrel had, also offer CBC (testssl flags LUCKY13).</summary>
    [Theory]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, false)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, false)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, false)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, true)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, true)]
    public async Task Tls12_is_served_with_aead_suites_only(TlsCipherSuite suite, bool served)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the server limits its suites on Linux only");
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(), tlsHandler: _certificates.Handler());
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, app.BaseAddress.Port, Cancel);
        await using var tls = new SslStream(tcp.GetStream());
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12,
            CipherSuitesPolicy = OperatingSystem.IsLinux() ? new CipherSuitesPolicy([suite]) : null,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, Cancel);

        if (served)
        {
            await handshake;
            Assert.Equal(suite, tls.NegotiatedCipherSuite);
        }
        else
        {
            await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        }
    }

    [Fact]
    public async Task Mutual_tls_refuses_no_certificate_and_another_cas_certificate_and_keeps_serving_good_clients()
    {
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(mutual: true),
            tlsHandler: _certificates.Handler(_certificates.Client));
        var url = $"https://localhost:{app.BaseAddress.Port}/whoami";

        using var anonymous = new HttpClient(_certificates.Handler());
        using var intruder = new HttpClient(_certificates.Handler(_certificates.OtherClient));

        await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync(url, Cancel));
        await Assert.ThrowsAsync<HttpRequestException>(() => intruder.GetAsync(url, Cancel));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Plain_http_to_the_tls_port_gets_no_http_answer_and_the_server_keeps_serving()
    {
        await using var app = await published.StartAsync(args: _certificates.ServerArgs(), tlsHandler: _certificates.Handler());

        var (response, closed) = await RawHttp.SendAsync(app.BaseAddress.Port, "GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n");

        Assert.True(closed, "the server should close a connection that does not speak TLS");
        Assert.Equal(0, RawHttp.StatusOf(response));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Probe_reports_healthy_over_tls_and_under_mutual_tls(bool mutual)
    {
        var port = WhoAmIProcess.FreePort();
        string[] args = ["--port", port.ToString(), .. _certificates.ServerArgs(mutual)];
        await using var app = await published.StartAsync(args: args, port: port, tlsHandler: _certificates.Handler(_certificates.Client));

        var (exitCode, output) = await published.ProbeAsync(args);

        Assert.True(exitCode == 0, output);
        Assert.Equal("healthy", output.Trim());
    }

    /// <summary>Each bad TLS setting: one line naming the file or flag and the problem, exit code 2, nothing listens.</summary>
    public static TheoryData<string, string[], string> BadTlsSettings => new()
    {
        { "missing file", ["--cert", "{dir}/nowhere.pem", "--key", "{dir}/server.key"], "--cert: cannot read '{dir}/nowhere.pem'" },
        { "not PEM", ["--cert", "{dir}/not-pem.txt", "--key", "{dir}/server.key"], "--cert: '{dir}/not-pem.txt' holds no PEM certificate" },
        { "key of another certificate", ["--cert", "{dir}/server.pem", "--key", "{dir}/other.key"], "--key: '{dir}/other.key' is not the private key of the certificate in '{dir}/server.pem'" },
        { "key without certificate", ["--key", "{dir}/server.key"], "--key needs --cert" },
        { "certificate without key", ["--cert", "{dir}/server.pem"], "--cert needs --key" },
        { "CA without certificate", ["--cacert", "{dir}/ca.pem"], "--cacert needs --cert and --key" },
        { "unreadable CA", ["--cert", "{dir}/server.pem", "--key", "{dir}/server.key", "--cacert", "{dir}/not-pem.txt"], "--cacert: '{dir}/not-pem.txt' holds no PEM certificate" },
    };

    [Theory]
    [MemberData(nameof(BadTlsSettings))]
    public async Task A_bad_tls_setting_prints_one_line_and_exits_with_code_2_before_listening(string what, string[] flags, string reason)
    {
        var port = WhoAmIProcess.FreePort();
        var args = flags.Select(f => f.Replace("{dir}", _certificates.Directory)).ToArray();

        var (exitCode, output) = await Run.ProcessAsync(published.BinaryPath, ["--port", port.ToString(), .. args], TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 2, $"{what}: exit code {exitCode}: {output}");
        Assert.Single(output.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"WhoAmI: {reason.Replace("{dir}", _certificates.Directory)}", output);
        Assert.False(WhoAmIProcess.IsListening(port));
    }

    [Fact]
    public async Task An_expired_certificate_starts_with_a_warning_line()
    {
        await using var app = await published.StartAsync(
            args: ["--cert", _certificates.PathOf("expired.pem"), "--key", _certificates.PathOf("expired.key")],
            tlsHandler: new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });

        Assert.Contains("WhoAmI: warning: the certificate in", await app.WaitForOutputAsync("warning:"));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }
}
