using System.Globalization;
using System.Text;

namespace WhoAmI.Lifecycle;

/// <summary>
/// The start of an HTTP/1.1 answer read from a raw stream, for the client this service has without HttpClient:
/// <see cref="HealthProbe"/> (GET /health).
/// </summary>
internal static class HttpStatusLine
{
    /// <summary>Reads until the status code has arrived (or the stream ends): the code, null when the bytes are not
    /// <c>HTTP/x.y NNN</c>, and the first line of what came, for a one-line report.</summary>
    public static async Task<(int? Code, string FirstLine)> ReadAsync(Stream stream, CancellationToken cancel)
    {
        // "HTTP/1.1 200 OK": the status code is bytes 9 to 11.
        var buffer = new byte[64];
        var length = 0;
        int read;
        while (length < 12 && (read = await stream.ReadAsync(buffer.AsMemory(length), cancel)) > 0)
        {
            length += read;
        }

        var code = length >= 12 && buffer.AsSpan(0, 5).SequenceEqual("HTTP/"u8)
            && int.TryParse(buffer.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : (int?)null;
        return (code, Encoding.ASCII.GetString(buffer, 0, length).Split('\r')[0]);
    }
}
