using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace WhoAmI.Tests.Support;

/// <summary>One platform's image in an index, as <see cref="OciImageSource"/> reads it: its manifest's digest, its
/// config (the JSON document with <c>architecture</c>, <c>os</c> and <c>config</c>) and its layers.</summary>
public sealed class PlatformImage(string mediaType, string digest, JsonElement config, IReadOnlyList<PlatformImage.Layer> layers,
    Func<string, Task<byte[]>> readBlob)
{
    public sealed record Layer(string Digest, string MediaType, long Size);

    public string MediaType { get; } = mediaType;
    public string Digest { get; } = digest;
    public JsonElement Config { get; } = config;
    public IReadOnlyList<Layer> Layers { get; } = layers;

    public string Platform => $"{Config.GetProperty("os").GetString()}/{Config.GetProperty("architecture").GetString()}";

    /// <summary>The bytes the registry sends: the layers as stored (compressed).</summary>
    public long CompressedSize => Layers.Sum(l => l.Size);

    /// <summary>The layers' tar streams, decompressed, and their total length.</summary>
    public async Task<long> UncompressedSizeAsync()
    {
        long total = 0;
        foreach (var layer in Layers)
        {
            await using var tar = await OpenAsync(layer);
            var buffer = new byte[81920];
            for (int read; (read = await tar.ReadAsync(buffer)) > 0;)
            {
                total += read;
            }
        }

        return total;
    }

    /// <summary>A file's bytes from the topmost layer that holds it (the image's own filesystem view, without
    /// whiteouts, which these images do not use); null when no layer does.</summary>
    public async Task<byte[]?> ReadFileAsync(string path)
    {
        foreach (var layer in Layers.Reverse())
        {
            await using var stream = await OpenAsync(layer);
            using var tar = new TarReader(stream);
            while (await tar.GetNextEntryAsync() is { } entry)
            {
                if (entry.Name.TrimStart('.', '/') == path.TrimStart('/') && entry.DataStream is { } data)
                {
                    using var copy = new MemoryStream();
                    await data.CopyToAsync(copy);
                    return copy.ToArray();
                }
            }
        }

        return null;
    }

    async Task<Stream> OpenAsync(Layer layer)
    {
        Stream stream = new MemoryStream(await readBlob(layer.Digest));
        return layer.MediaType.EndsWith("gzip", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
    }
}
