using System.Buffers.Binary;
using System.Text;

namespace WhoAmI.Tests.Support;

/// <summary>
/// HTTP/2 frames written and read by hand (RFC 9113 §4), for what no client sends on purpose: an upgraded connection
/// continued frame by frame, floods and resets. Header blocks are HPACK literals without indexing (RFC 7541 §6.2.2);
/// of the server's, only an indexed <c>:status</c> from the static table is read.
/// </summary>
public static class Http2Wire
{
    public const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    public const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4;

    public static byte[] Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>The client's connection preface: the magic and an empty SETTINGS frame.</summary>
    public static byte[] ClientPreface => [.. Preface, .. Frame(Settings, 0, 0, [])];

    public static byte[] Frame(byte type, byte flags, int stream, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    /// <summary>A HEADERS frame with the whole request (END_HEADERS; END_STREAM unless a body follows).</summary>
    public static byte[] Request(int stream, string method = "GET", string path = "/whoami", bool endStream = true, params (string Name, string Value)[] fields) =>
        Frame(Headers, (byte)(EndHeaders | (endStream ? EndStream : 0)), stream,
            HeaderBlock([(":method", method), (":scheme", "http"), (":authority", "localhost"), (":path", path), .. fields]));

    public static byte[] HeaderBlock(IEnumerable<(string Name, string Value)> fields)
    {
        var block = new MemoryStream();
        foreach (var (name, value) in fields)
        {
            block.WriteByte(0x00);
            WriteString(block, name);
            WriteString(block, value);
        }

        return block.ToArray();
    }

    static void WriteString(MemoryStream block, string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var length = bytes.Length;
        if (length < 0x7f)
        {
            block.WriteByte((byte)length);
        }
        else
        {
            block.WriteByte(0x7f);
            for (length -= 0x7f; length >= 0x80; length >>= 7)
            {
                block.WriteByte((byte)(length & 0x7f | 0x80));
            }

            block.WriteByte((byte)length);
        }

        block.Write(bytes);
    }

    /// <summary>The next frame, or null when the connection ends (closed or reset) before a whole one.</summary>
    public static async Task<Http2Frame?> ReadFrameAsync(Stream connection, CancellationToken cancel)
    {
        var header = new byte[9];
        try
        {
            await connection.ReadExactlyAsync(header, cancel);
            var payload = new byte[header[0] << 16 | header[1] << 8 | header[2]];
            await connection.ReadExactlyAsync(payload, cancel);
            return new Http2Frame(header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7fffffff, payload);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return null;
        }
    }
}

public sealed record Http2Frame(byte Type, byte Flags, int Stream, byte[] Payload)
{
    static readonly string[] ErrorCodes =
    [
        "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR",
        "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
    ];

    /// <summary>The <c>:status</c> of a response's HEADERS when the server indexed it in the static table (RFC 7541
    /// Appendix A: 8–14), as Kestrel and Go do for these codes; 0 otherwise.</summary>
    public int Status
    {
        get
        {
            var padded = (Flags & 0x8) != 0 ? 1 : 0;
            var priority = (Flags & 0x20) != 0 ? 5 : 0;
            var first = Payload.Length > padded + priority ? Payload[padded + priority] : 0;
            return first switch { 0x88 => 200, 0x89 => 204, 0x8a => 206, 0x8b => 304, 0x8c => 400, 0x8d => 404, 0x8e => 500, _ => 0 };
        }
    }

    /// <summary>The error code of a GOAWAY or RST_STREAM, by its name.</summary>
    public string ErrorCode
    {
        get
        {
            var code = BinaryPrimitives.ReadInt32BigEndian(Payload.AsSpan(Type == Http2Wire.GoAway ? 4 : 0, 4));
            return code >= 0 && code < ErrorCodes.Length ? ErrorCodes[code] : $"0x{code:x}";
        }
    }
}
