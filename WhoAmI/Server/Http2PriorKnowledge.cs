using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;
using System.IO.Pipelines;

namespace WhoAmI.Server;

/// <summary>
/// HTTP/2 with prior knowledge (h2c, as <c>curl --http2-prior-knowledge</c> sends it), HTTP/1.1, and HTTP/1.1 upgraded
/// to HTTP/2 (<c>Upgrade: h2c</c>, <see cref="H2cUpgrade"/>) on one cleartext port. Kestrel 10 picks HTTP/1.1 for every
/// cleartext connection of an <c>Http1AndHttp2</c> endpoint ("ambiguous without ALPN", HttpConnection.SelectProtocol);
/// it picks HTTP/2 when the connection says ALPN chose h2. So this connection middleware peeks at the first bytes,
/// consuming none, and when they are the HTTP/2 preface (RFC 9113 §3.4) or an upgrade request it tells Kestrel so with
/// <see cref="PriorKnowledge"/>, which carries no certificate and no handshake.
/// </summary>
/// <remarks>
/// Stands in for Kestrel's own negotiation, which is missing: dotnet/aspnetcore#56984 (open; dotnet/aspnetcore#67782
/// proposes the preface sniffing for prior knowledge only). No library does it, so the cost that decided it is none but
/// this file's. Delete it, and let <see cref="H2cUpgrade"/> hook in on its own, once Kestrel selects HTTP/2 by the
/// preface on a cleartext <c>Http1AndHttp2</c> endpoint and GrpcAndUpgradeTests pass without it.
/// </remarks>
internal static class Http2PriorKnowledge
{
    /// <summary>What an HTTP/2 client sends first (RFC 9113 §3.4).</summary>
    internal static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    public static async Task DetectAsync(ConnectionContext connection, Func<Task> next, TimeSpan timeout)
    {
        var (preface, upgrade, headTimedOut) = await PeekAsync(connection.Transport.Input, timeout, connection.ConnectionClosed);
        if (headTimedOut)
        {
            // Kestrel's own headers timeout would start only now, doubling a slow client's time: close, as it would.
            connection.Abort(new ConnectionAbortedException("request headers timed out"));
            return;
        }

        if (upgrade is not null)
        {
            await H2cUpgrade.SwitchAsync(connection, upgrade, connection.ConnectionClosed);
        }

        if (preface || upgrade is not null)
        {
            connection.Features.Set<ITlsConnectionFeature>(PriorKnowledge.Instance);
            connection.Features.Set<ITlsApplicationProtocolFeature>(PriorKnowledge.Instance);
        }

        await next();
    }

    /// <summary>Reads until the bytes are the whole preface, or a whole HTTP/1.1 head, or neither can be; then puts
    /// them all back, but for an upgrade request's head, which is consumed. A client that sends nothing within
    /// <paramref name="timeout"/> is handed on to HTTP/1.1's own timeouts; so is TLS, whose first byte is no letter.
    /// One whose HTTP/1.1 head has begun but not ended within it has had the headers timeout.</summary>
    static async Task<(bool Preface, UpgradeRequest? Upgrade, bool HeadTimedOut)> PeekAsync(PipeReader input, TimeSpan timeout, CancellationToken closed)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(closed);
        wait.CancelAfter(timeout);
        var head = new byte[Preface.Length];
        var headBegun = false;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(wait.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // Timed out, or the client reset the connection: HTTP/1.1 reads the same end and closes quietly.
                return (false, null, headBegun && !closed.IsCancellationRequested);
            }

            var buffer = read.Buffer;
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            buffer.Slice(0, length).CopyTo(head);
            var done = read.IsCompleted || read.IsCanceled;
            if (head.AsSpan(0, length).SequenceEqual(Preface[..length]))
            {
                if (length == Preface.Length || done)
                {
                    input.AdvanceTo(buffer.Start);
                    return (length == Preface.Length, null, false);
                }
            }
            else if (length > 0 && head[0] is >= (byte)'A' and <= (byte)'Z')
            {
                // An HTTP/1.1 request, by its method's first letter: look for Upgrade: h2c once its head is complete.
                headBegun = true;
                var end = new SequenceReader<byte>(buffer).TryReadTo(out ReadOnlySequence<byte> before, EndOfHead) ? before.Length + EndOfHead.Length : -1;
                // Parsed in place: the head of a connection's first request, copied only when it spans segments.
                var complete = buffer.Slice(0, Math.Max(end, 0));
                if (end >= 0 && H2cUpgrade.Parse(complete.IsSingleSegment ? complete.FirstSpan : complete.ToArray()) is { } upgrade)
                {
                    input.AdvanceTo(buffer.GetPosition(end));
                    return (false, upgrade, false);
                }

                if (end >= 0 || done || buffer.Length > H2cUpgrade.MaxHeadLength)
                {
                    input.AdvanceTo(buffer.Start);
                    return (false, null, false);
                }
            }
            else
            {
                input.AdvanceTo(buffer.Start);
                return (false, null, false);
            }

            // Not decided yet: consume nothing, but wait for more than what is here.
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
