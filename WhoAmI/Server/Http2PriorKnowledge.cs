using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;

namespace WhoAmI.Server;

/// <summary>
/// HTTP/2 with prior knowledge (h2c, as <c>curl --http2-prior-knowledge</c> sends it) and HTTP/1.1 on one cleartext
/// port. Kestrel 10 picks HTTP/1.1 for every cleartext connection of an <c>Http1AndHttp2</c> endpoint ("ambiguous
/// without ALPN", HttpConnection.SelectProtocol); it picks HTTP/2 when the connection says ALPN chose h2. So this
/// connection middleware peeks at the first bytes, consuming none, and when they are the HTTP/2 preface (RFC 9113
/// §3.4) it tells Kestrel so with <see cref="PriorKnowledge"/>, which carries no certificate and no handshake.
/// </summary>
internal static class Http2PriorKnowledge
{
    static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public static async Task DetectAsync(ConnectionContext connection, Func<Task> next, TimeSpan timeout)
    {
        if (await StartsWithPrefaceAsync(connection.Transport.Input, timeout, connection.ConnectionClosed))
        {
            connection.Features.Set<ITlsConnectionFeature>(PriorKnowledge.Instance);
            connection.Features.Set<ITlsApplicationProtocolFeature>(PriorKnowledge.Instance);
        }

        await next();
    }

    /// <summary>Reads until the bytes either are the whole preface or differ from it, then puts them all back.
    /// A client that sends nothing within <paramref name="timeout"/> is handed on to HTTP/1.1's own timeouts.</summary>
    static async Task<bool> StartsWithPrefaceAsync(System.IO.Pipelines.PipeReader input, TimeSpan timeout, CancellationToken closed)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(closed);
        wait.CancelAfter(timeout);
        var head = new byte[Preface.Length];
        while (true)
        {
            System.IO.Pipelines.ReadResult read;
            try
            {
                read = await input.ReadAsync(wait.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // Timed out, or the client reset the connection: HTTP/1.1 reads the same end and closes quietly.
                return false;
            }

            var buffer = read.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            buffer.Slice(0, length).CopyTo(head);
            var matches = head.AsSpan(0, length).SequenceEqual(Preface[..length]);
            if (!matches || length == Preface.Length || read.IsCompleted || read.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                return matches && length == Preface.Length;
            }

            // A prefix of the preface so far: consume nothing, but wait for more than what is here.
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Says "ALPN chose h2" to Kestrel's protocol selection. Not TLS: no certificate, no handshake feature,
    /// so /, /api and the HTTP/2 TLS checks see a cleartext connection.</summary>
    sealed class PriorKnowledge : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public static readonly PriorKnowledge Instance = new();

        static readonly byte[] H2 = "h2"u8.ToArray();

        public ReadOnlyMemory<byte> ApplicationProtocol => H2;

        public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get => null; set { } }

        public Task<System.Security.Cryptography.X509Certificates.X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) =>
            Task.FromResult<System.Security.Cryptography.X509Certificates.X509Certificate2?>(null);
    }
}
