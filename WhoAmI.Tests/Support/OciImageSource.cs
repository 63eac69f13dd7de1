using System.Text.Json;

namespace WhoAmI.Tests.Support;

/// <summary>
/// Where manifests and blobs of an image are read from, without a Docker engine: a registry's HTTP API, or an OCI
/// image layout on disk (an unpacked archive). Resolves an image index (nested ones too) into its platform images.
/// </summary>
public sealed class OciImageSource
{
    static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
    ];

    readonly Func<string, Task<byte[]>> _manifest;
    readonly Func<string, Task<byte[]>> _blob;

    // Blobs are fetched once per source: a test that reads a file from a layer and then measures the layers would
    // otherwise pull each layer from the registry twice.
    OciImageSource(Func<string, Task<byte[]>> manifest, Func<string, Task<byte[]>> blob)
    {
        var blobs = new System.Collections.Concurrent.ConcurrentDictionary<string, Task<byte[]>>();
        (_manifest, _blob) = (manifest, digest => blobs.GetOrAdd(digest, blob));
    }

    /// <summary>A repository in a registry that speaks plain HTTP, such as the mirror's on localhost:5000.</summary>
    public static OciImageSource Registry(string registry, string repository)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{registry}/v2/{repository}/") };
        return new(async reference =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"manifests/{reference}");
            foreach (var type in ManifestTypes)
            {
                request.Headers.Accept.ParseAdd(type);
            }

            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsByteArrayAsync();
        }, digest => http.GetByteArrayAsync($"blobs/{digest}"));
    }

    /// <summary>An OCI image layout: <c>index.json</c> and <c>blobs/sha256/…</c>; a reference is a digest, or a tag
    /// named by an <c>org.opencontainers.image.ref.name</c> annotation, or empty for <c>index.json</c> itself.</summary>
    public static OciImageSource Layout(string directory)
    {
        Task<byte[]> Blob(string digest) => File.ReadAllBytesAsync(Path.Combine(directory, "blobs", "sha256", digest["sha256:".Length..]));
        return new(async reference =>
        {
            var index = await File.ReadAllBytesAsync(Path.Combine(directory, "index.json"));
            if (reference.Length == 0)
            {
                return index;
            }

            if (reference.StartsWith("sha256:", StringComparison.Ordinal))
            {
                return await Blob(reference);
            }

            using var json = JsonDocument.Parse(index);
            var entry = json.RootElement.GetProperty("manifests").EnumerateArray().Single(m =>
                m.TryGetProperty("annotations", out var a) && a.TryGetProperty("org.opencontainers.image.ref.name", out var name) && name.GetString() == reference);
            return await Blob(entry.GetProperty("digest").GetString()!);
        }, Blob);
    }

    /// <summary>The media type of the manifest or index <paramref name="reference"/> names.</summary>
    public async Task<string> MediaTypeAsync(string reference) => MediaType(JsonDocument.Parse(await _manifest(reference)).RootElement);

    /// <summary>Every platform image under <paramref name="reference"/>: one for a single manifest, one per entry of
    /// an index (an index inside an index is followed).</summary>
    public async Task<IReadOnlyList<PlatformImage>> PlatformImagesAsync(string reference)
    {
        var bytes = await _manifest(reference);
        var root = JsonDocument.Parse(bytes).RootElement;
        if (!root.TryGetProperty("manifests", out var entries))
        {
            return [await PlatformImageAsync(root, $"sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))}")];
        }

        var images = new List<PlatformImage>();
        foreach (var entry in entries.EnumerateArray())
        {
            images.AddRange(await PlatformImagesAsync(entry.GetProperty("digest").GetString()!));
        }

        return images;
    }

    async Task<PlatformImage> PlatformImageAsync(JsonElement manifest, string digest)
    {
        var config = JsonDocument.Parse(await _blob(manifest.GetProperty("config").GetProperty("digest").GetString()!)).RootElement;
        var layers = manifest.GetProperty("layers").EnumerateArray()
            .Select(l => new PlatformImage.Layer(l.GetProperty("digest").GetString()!, l.GetProperty("mediaType").GetString()!, l.GetProperty("size").GetInt64()))
            .ToList();
        return new PlatformImage(MediaType(manifest), digest, config, layers, _blob);
    }

    static string MediaType(JsonElement manifest) => manifest.TryGetProperty("mediaType", out var type) ? type.GetString()! : "";
}
