using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace WhoAmI.Server;

/// <summary>
/// <c>Upgrade: h2c</c> on the plain port (RFC 7540 §3.2, as Go's <c>h2c.NewHandler</c> and <c>curl --http2</c> do it),
/// which Kestrel does not implement: the first HTTP/1.1 request of a connection asks to switch, the server answers
/// <c>101 Switching Protocols</c> and then that same request as HTTP/2 stream 1. Done here by handing Kestrel's HTTP/2
/// what a prior-knowledge client would have sent: the client's preface and SETTINGS, then the request as a HEADERS
/// frame on stream 1 (HPACK literals), then the rest of the connection as it comes.
/// A request with a body is served as HTTP/1.1, its Upgrade ignored, which RFC 9110 §7.8 allows; so is one whose
/// <c>HTTP2-Settings</c> is missing, repeated or not base64url. Its settings are not applied: the client's own
/// SETTINGS frame, which must follow the preface, arrives before the HEADERS frame that carries the request.
/// </summary>
/// <remarks>
/// Stands in for a Kestrel feature that will not come: RFC 9113 removed the <c>h2c</c> upgrade token, and
/// dotnet/aspnetcore#56984 and its pull request #67782 leave the Upgrade flow out. It is here for parity with
/// traefik/whoami and Go's <c>h2c.NewHandler</c>, which <c>curl --http2</c> and <c>nghttp -u</c> users meet. Delete it
/// when traefik/whoami drops <c>Upgrade: h2c</c>; until then GrpcAndUpgradeTests hold it to real clients.
/// </remarks>
internal static class H2cUpgrade
{
    static ReadOnlySpan<byte> SwitchingProtocols => "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"u8;

    // Kestrel's own limits, request line and headers together: a longer head is Kestrel's to refuse (414, 431).
    public const int MaxHeadLength = KestrelLimits.MaxRequestLineSize + KestrelLimits.MaxRequestHeadersTotalSize;

    // Connection-specific fields, which HTTP/2 forbids (RFC 9113 §8.2.2); Host becomes :authority.
    static readonly HashSet<string> NotForwarded = new(StringComparer.Ordinal)
        { "connection", "upgrade", "http2-settings", "keep-alive", "proxy-connection", "transfer-encoding", "host" };

    /// <summary>The request line and header fields of an upgrade request; null when the head asks for none or is not
    /// one this server upgrades (then Kestrel's HTTP/1.1 serves it as it is).</summary>
    public static UpgradeRequest? Parse(ReadOnlySpan<byte> head)
    {
        // Most heads never say h2c: the one cheap test before any parsing.
        if (!MentionsH2c(head))
        {
            return null;
        }

        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        // Over any of Kestrel's HTTP/1.1 limits, or malformed: not upgraded, so that Kestrel answers as it does without
        // Upgrade (414, 431, 400), before any 101. A head just under a limit may be served as HTTP/1.1 too: allowed.
        var fieldCount = lines.Count(l => l.Length > 0) - 1;
        if (lines[0].Length + 2 >= KestrelLimits.MaxRequestLineSize || fieldCount >= KestrelLimits.MaxRequestHeaderCount
            || head.Length - lines[0].Length >= KestrelLimits.MaxRequestHeadersTotalSize)
        {
            return null;
        }

        // Anything Kestrel's HTTP/1.1 might refuse is left to it: this parser may be stricter than Kestrel's (the request
        // is then served as HTTP/1.1, which the RFC allows), never looser (ProtocolFuzzTests hold it to Kestrel's answers).
        var requestLine = lines[0].Split(' ');
        if (requestLine is not [var method, var target, "HTTP/1.1"] || !target.StartsWith('/')
            || target.AsSpan().ContainsAnyExceptInRange('!', '~') || target.Contains("%00", StringComparison.Ordinal))
        {
            return null;
        }

        var fields = new List<KeyValuePair<string, string>>();
        string? host = null, settings = null;
        int settingsCount = 0, hostCount = 0;
        bool upgradeToH2c = false, connectionSaysSettings = false;
        foreach (var line in lines.AsSpan(1))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0 || line[0] is ' ' or '\t')
            {
                return null; // obsolete line folding or no name: Kestrel answers 400
            }

            var name = line[..colon].ToLowerInvariant();
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (!IsToken(name) || value.Any(c => c < ' ' && c != '\t' || c >= '\x7f'))
            {
                return null; // Kestrel answers 400 (to a byte over 0x7e too: it takes ASCII only)
            }

            switch (name)
            {
                case "upgrade":
                    upgradeToH2c |= HasToken(value, "h2c");
                    break;
                case "connection":
                    connectionSaysSettings |= HasToken(value, "HTTP2-Settings");
                    break;
                case "http2-settings":
                    settings = value;
                    settingsCount++;
                    break;
                case "host":
                    host = hostCount++ == 0 && IsHost(value) ? value : null; // Kestrel answers 400 to two, or to a bad one
                    break;
                case "content-length" when value != "0":
                case "transfer-encoding":
                case "expect":
                    return null; // a body: not upgraded
                case "te" when !value.Equals("trailers", StringComparison.OrdinalIgnoreCase):
                    continue; // HTTP/2 allows TE: trailers only
            }

            if (!NotForwarded.Contains(name))
            {
                fields.Add(new(name, value));
            }
        }

        return upgradeToH2c && connectionSaysSettings && settingsCount == 1 && IsSettingsPayload(settings!) && host is not null
            ? new UpgradeRequest([new(":method", method), new(":scheme", "http"), new(":authority", host), new(":path", target), .. fields])
            : null;
    }

    /// <summary>A Host this parser is sure Kestrel takes: a name of letters, digits and <c>-._~</c>, or an IP literal in
    /// brackets, then at most a colon and a port. Kestrel refuses much of the rest of RFC 3986 §3.2.2 (<c>a,b</c>,
    /// <c>%41</c>, <c>x:</c>); what it would take and this does not is served as HTTP/1.1. Empty says nothing for
    /// <c>:authority</c>: not upgraded either.</summary>
    static bool IsHost(string value)
    {
        var literal = value.StartsWith('[');
        var end = literal ? value.IndexOf(']') + 1 : value.IndexOf(':') is var colon and >= 0 ? colon : value.Length;
        if (end <= (literal ? 2 : 0))
        {
            return false;
        }

        var name = value.AsSpan(0, end);
        var port = value.AsSpan(end);
        return (literal ? !name[1..^1].ContainsAnyExcept(IpLiteralCharacters) : !name.ContainsAnyExcept(NameCharacters))
            && (port.IsEmpty || port.Length is > 1 and <= 6 && port[0] == ':' && !port[1..].ContainsAnyExceptInRange('0', '9'));
    }

    static readonly System.Buffers.SearchValues<char> NameCharacters =
        System.Buffers.SearchValues.Create("-._~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    static readonly System.Buffers.SearchValues<char> IpLiteralCharacters = System.Buffers.SearchValues.Create(":.0123456789abcdefABCDEF");

    /// <summary>A field name as RFC 9110 §5.6.2 allows it: tchar only.</summary>
    static bool IsToken(string name) => name.Length > 0 && !name.AsSpan().ContainsAnyExcept(TokenCharacters);

    static readonly System.Buffers.SearchValues<char> TokenCharacters =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    static bool MentionsH2c(ReadOnlySpan<byte> head)
    {
        for (var i = 0; i + 2 < head.Length; i++)
        {
            if ((head[i] | 0x20) == 'h' && head[i + 1] == '2' && (head[i + 2] | 0x20) == 'c')
            {
                return true;
            }
        }

        return false;
    }

    static bool HasToken(string value, string token)
    {
        foreach (var part in value.Split(','))
        {
            if (part.Trim(' ', '\t').Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A SETTINGS payload in base64url without padding: six bytes a setting (RFC 7540 §3.2.1).</summary>
    static bool IsSettingsPayload(string value)
    {
        var base64 = value.Replace('-', '+').Replace('_', '/');
        base64 += (base64.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var length) && length % 6 == 0;
    }

    /// <summary>Answers 101 and gives the connection a transport whose input is a prior-knowledge HTTP/2 client's:
    /// the preface and first frame the client sends, the request as stream 1, then everything after.</summary>
    public static async Task SwitchAsync(ConnectionContext connection, UpgradeRequest request, CancellationToken closed)
    {
        var client = connection.Transport;
        await client.Output.WriteAsync(SwitchingProtocols.ToArray(), closed);

        var toKestrel = new Pipe();
        _ = PumpAsync(client.Input, toKestrel.Writer, request, closed);
        connection.Transport = new DuplexPipe(toKestrel.Reader, client.Output);
    }

    static async Task PumpAsync(PipeReader client, PipeWriter toKestrel, UpgradeRequest request, CancellationToken closed)
    {
        try
        {
            // The preface and the frame after it (SETTINGS, or Kestrel will say what is wrong), passed on as they are.
            // A frame header is 9 bytes, its payload's length the first 3.
            var frameHeaderEnd = Http2PriorKnowledge.Preface.Length + 9;
            var firstFrame = frameHeaderEnd;
            var length = new byte[3];
            ReadOnlySequence<byte> before;
            while (true)
            {
                var read = await client.ReadAsync(closed);
                before = read.Buffer;
                if (!StartsLikePreface(before))
                {
                    // Not HTTP/2: handed to Kestrel as it is, which ends the connection with GOAWAY PROTOCOL_ERROR (a
                    // "length" read from these bytes would have had this wait for up to 16 MB that never come).
                    firstFrame = 0;
                    break;
                }

                if (before.Length >= frameHeaderEnd && firstFrame == frameHeaderEnd)
                {
                    before.Slice(Http2PriorKnowledge.Preface.Length, 3).CopyTo(length);
                    firstFrame += (length[0] << 16) | (length[1] << 8) | length[2];
                }

                if (before.Length >= firstFrame || read.IsCompleted)
                {
                    break;
                }

                client.AdvanceTo(before.Start, before.End);
            }

            var prefix = (int)Math.Min(before.Length, firstFrame);
            foreach (var segment in before.Slice(0, prefix))
            {
                toKestrel.Write(segment.Span);
            }

            client.AdvanceTo(before.GetPosition(prefix));

            if (firstFrame > 0)
            {
                request.WriteHeadersFrames(toKestrel);
            }

            await toKestrel.FlushAsync(closed);

            while (true)
            {
                var read = await client.ReadAsync(closed);
                foreach (var segment in read.Buffer)
                {
                    toKestrel.Write(segment.Span);
                }

                client.AdvanceTo(read.Buffer.End);
                var flushed = await toKestrel.FlushAsync(closed);
                if (read.IsCompleted || flushed.IsCompleted)
                {
                    break;
                }
            }

            await toKestrel.CompleteAsync();
        }
        catch (Exception e)
        {
            // The client reset or the server aborted the connection, or anything else: Kestrel's HTTP/2 reads the end
            // of its input with the reason, rather than waiting for bytes that will never come.
            await toKestrel.CompleteAsync(e);
        }
        finally
        {
            await client.CompleteAsync();
        }
    }

    /// <summary>Whether what has come so far could still be the preface.</summary>
    static bool StartsLikePreface(ReadOnlySequence<byte> bytes)
    {
        Span<byte> start = stackalloc byte[Http2PriorKnowledge.Preface.Length];
        var length = (int)Math.Min(bytes.Length, start.Length);
        bytes.Slice(0, length).CopyTo(start);
        return start[..length].SequenceEqual(Http2PriorKnowledge.Preface[..length]);
    }

    sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}

/// <summary>The upgraded request as HTTP/2 fields, pseudo-header fields first.</summary>
internal sealed class UpgradeRequest(KeyValuePair<string, string>[] fields)
{
    // Kestrel's SETTINGS_MAX_FRAME_SIZE, the RFC's default: a longer header block continues in CONTINUATION frames.
    const int MaxFramePayload = 16_384;

    /// <summary>HEADERS (END_STREAM, as the request has no body) on stream 1, then CONTINUATION frames as needed.
    /// Each field an HPACK literal without indexing with a literal name, no Huffman coding (RFC 7541 §6.2.2).</summary>
    public void WriteHeadersFrames(IBufferWriter<byte> output)
    {
        var block = new ArrayBufferWriter<byte>();
        foreach (var (name, value) in fields)
        {
            block.Write<byte>([0x00]);
            WriteString(block, name);
            WriteString(block, value);
        }

        var rest = block.WrittenSpan;
        var type = (byte)0x1; // HEADERS
        var flags = (byte)0x1; // END_STREAM
        do
        {
            var payload = rest[..Math.Min(rest.Length, MaxFramePayload)];
            rest = rest[payload.Length..];
            if (rest.IsEmpty)
            {
                flags |= 0x4; // END_HEADERS
            }

            output.Write<byte>([(byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, flags, 0, 0, 0, 1]);
            output.Write(payload);
            type = 0x9; // CONTINUATION
            flags = 0;
        }
        while (!rest.IsEmpty);
    }

    static void WriteString(ArrayBufferWriter<byte> block, string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        // RFC 7541 §5.1: a 7-bit prefix, then 7 bits a byte with the high bit saying more follow.
        var length = bytes.Length;
        if (length < 0x7f)
        {
            block.Write<byte>([(byte)length]);
        }
        else
        {
            block.Write<byte>([0x7f]);
            length -= 0x7f;
            while (length >= 0x80)
            {
                block.Write<byte>([(byte)((length & 0x7f) | 0x80)]);
                length >>= 7;
            }

            block.Write<byte>([(byte)length]);
        }

        block.Write(bytes);
    }
}
