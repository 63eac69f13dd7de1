using System.Buffers;
using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace WhoAmI.Endpoints;

/// <summary>Answers of a chosen size, for testing what a proxy does with them, and the cheapest answer there is.</summary>
internal static class DataEndpoints
{
    /// <summary>The filler, as traefik/whoami writes it; the first and the last byte are <c>|</c>.</summary>
    const string Charset = "-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const int ChunkSize = 64 * 1024;

    /// <summary>The filler repeated, long enough that any chunk is one slice of it at its offset mod 27.</summary>
    static readonly byte[] Pattern = MakePattern(ChunkSize + Charset.Length);
    static readonly byte[] One = "1"u8.ToArray();

    public static IEndpointRouteBuilder MapData(this IEndpointRouteBuilder app, long maxDataBytes)
    {
        app.MapMethods("/data", [HttpMethods.Get, HttpMethods.Head], context => Data(context, maxDataBytes));
        app.MapMethods("/bench", [HttpMethods.Get, HttpMethods.Head], Bench);
        return app;
    }

    /// <summary><c>1</c>, as cheap as the server can make it.</summary>
    static Task Bench(HttpContext context) => PlainText.WriteAsync(context, One);

    /// <summary><c>size</c> units (default 1) of <c>unit</c> (bytes, kb, mb or gb; 1024-based), streamed in 64 KiB
    /// chunks; <c>attachment=true</c> makes it a download, with single byte ranges.</summary>
    static async Task Data(HttpContext context, long maxDataBytes)
    {
        var query = context.Request.Query;
        if (!TryParseLength(query["size"], query["unit"], out var length, out var reason) || length > maxDataBytes)
        {
            await PlainText.BadRequestAsync(context, reason ?? $"data: {length} bytes is over the limit of {maxDataBytes}");
            return;
        }

        var response = context.Response;
        response.ContentType = PlainText.ContentType;
        var (start, count) = (0L, length);
        if (string.Equals(query["attachment"], "true", StringComparison.OrdinalIgnoreCase))
        {
            response.Headers.ContentDisposition = "attachment; filename=data.txt";
            response.Headers.AcceptRanges = "bytes";
            if (context.Request.GetTypedHeaders().Range is { Unit.Value: "bytes", Ranges.Count: 1 } range)
            {
                if (!TryResolve(range.Ranges.First(), length, out start, out count))
                {
                    response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                    response.Headers.ContentRange = new ContentRangeHeaderValue(length).ToString();
                    response.ContentLength = 0;
                    return;
                }

                response.StatusCode = StatusCodes.Status206PartialContent;
                response.Headers.ContentRange = new ContentRangeHeaderValue(start, start + count - 1, length).ToString();
            }
        }

        response.ContentLength = count;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            for (var offset = start; offset < start + count; offset += ChunkSize)
            {
                var size = (int)Math.Min(ChunkSize, start + count - offset);
                Fill(chunk.AsSpan(0, size), offset, length);
                await response.Body.WriteAsync(chunk.AsMemory(0, size), context.RequestAborted);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The bytes at <paramref name="offset"/> of a <paramref name="length"/>-byte answer.</summary>
    static void Fill(Span<byte> chunk, long offset, long length)
    {
        Pattern.AsSpan((int)(offset % Charset.Length), chunk.Length).CopyTo(chunk);
        if (offset == 0)
        {
            chunk[0] = (byte)'|';
        }

        if (offset + chunk.Length == length)
        {
            chunk[^1] = (byte)'|';
        }
    }

    static bool TryParseLength(string? size, string? unit, out long length, out string? reason)
    {
        (length, reason) = (0, null);
        long count = 1;
        if (size is not null && !long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out count))
        {
            reason = $"data: size '{size}' is not a whole number";
            return false;
        }

        long? multiplier = unit?.ToLowerInvariant() switch
        {
            null or "" or "b" => 1,
            "kb" => 1L << 10,
            "mb" => 1L << 20,
            "gb" => 1L << 30,
            _ => null,
        };
        if (multiplier is null)
        {
            reason = $"data: unit '{unit}' is not one of kb, mb, gb";
            return false;
        }

        if (count > long.MaxValue / multiplier.Value)
        {
            reason = $"data: size '{size}' {unit} is too large";
            return false;
        }

        length = count * multiplier.Value;
        return true;
    }

    /// <summary>Resolves <c>a-b</c>, <c>a-</c> and <c>-n</c> against the length; false when it is not satisfiable.</summary>
    static bool TryResolve(RangeItemHeaderValue range, long length, out long start, out long count)
    {
        (start, count) = (0, 0);
        if (range.From is { } from)
        {
            if (from >= length)
            {
                return false;
            }

            var to = Math.Min(range.To ?? length - 1, length - 1);
            (start, count) = (from, to - from + 1);
            return count > 0;
        }

        if (range.To is { } suffix && suffix > 0 && length > 0)
        {
            count = Math.Min(suffix, length);
            start = length - count;
            return true;
        }

        return false;
    }

    static byte[] MakePattern(int length)
    {
        var pattern = new byte[length];
        for (var i = 0; i < length; i++)
        {
            pattern[i] = (byte)Charset[i % Charset.Length];
        }

        return pattern;
    }
}
