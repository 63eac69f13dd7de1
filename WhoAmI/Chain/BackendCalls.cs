using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using WhoAmI.Payloads;

namespace WhoAmI.Chain;

/// <summary>
/// Calls every backend of <c>--backend</c> at once with one <see cref="HttpClient"/> and gives their answers in
/// the configured order. Each call carries the hop count, the time the backend has (so that it gives up on its
/// own backends before its caller gives up on it) and, by HttpClient's own propagation, the trace
/// (<c>traceparent</c>) of the request being served. Registered only when backends are set.
/// </summary>
internal sealed class BackendCalls(IReadOnlyList<Uri> backends) : IDisposable
{
    /// <summary>The hop count of the caller: 0 or absent for a request from outside the chain.</summary>
    public const string HopHeader = "WhoAmI-Hop";

    /// <summary>How long the caller waits for this answer, in milliseconds.</summary>
    public const string TimeoutHeader = "WhoAmI-Timeout";

    /// <summary>The largest answer kept: eight nested hops of WhoAmI stay far below it.</summary>
    const int MaxAnswerBytes = 1 << 20;

    /// <summary>How much of an answer that is not JSON is shown.</summary>
    const int BodyExcerptBytes = 1024;

    readonly HttpClient client = new(new SocketsHttpHandler
    {
        // A chain shows what the configured URL answers: no redirect followed, no HTTP_PROXY in between.
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        // A name's addresses change (compose --scale, a Kubernetes rollout): new connections resolve it again.
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { { "User-Agent", "WhoAmI-chain" } },
    };

    public Task<BackendAnswer[]> CallAllAsync(int hop, TimeSpan timeout, CancellationToken aborted) =>
        Task.WhenAll(backends.Select(url => CallAsync(url, hop, timeout, aborted)));

    async Task<BackendAnswer> CallAsync(Uri url, int hop, TimeSpan timeout, CancellationToken aborted)
    {
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add(HopHeader, hop.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(TimeoutHeader, ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var body = await ReadAtMostAsync(response.Content, deadline.Token);
            var status = (int)response.StatusCode;
            return body is null
                ? new(url.OriginalString, Milliseconds(started), status, Error: $"answer over {MaxAnswerBytes} bytes, not shown")
                : ParseAsJson(body, response.Content.Headers.ContentType?.MediaType) is { } answer
                    ? new(url.OriginalString, Milliseconds(started), status, Answer: answer)
                    : new(url.OriginalString, Milliseconds(started), status, Body: Excerpt(body));
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return new(url.OriginalString, Milliseconds(started), Error: $"no answer within {timeout.TotalMilliseconds:0}ms");
        }
        catch (HttpRequestException e)
        {
            return new(url.OriginalString, Milliseconds(started), Error: Describe(e));
        }
        catch (IOException)
        {
            // While the body was read: the headers had come, the rest did not.
            return new(url.OriginalString, Milliseconds(started), Error: "connection closed during the answer");
        }
    }

    /// <summary>The body, or null when it is longer than <see cref="MaxAnswerBytes"/>.</summary>
    static async Task<byte[]?> ReadAtMostAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxAnswerBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    static JsonElement? ParseAsJson(byte[] body, string? mediaType)
    {
        if (mediaType is null || !mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static string Excerpt(byte[] body) =>
        body.Length <= BodyExcerptBytes ? Encoding.UTF8.GetString(body) : Encoding.UTF8.GetString(body, 0, BodyExcerptBytes) + "…";

    /// <summary>What went wrong in words, from the error's kind and the socket's own message (the runtime's
    /// resource strings are left out of the binary: UseSystemResourceKeys).</summary>
    static string Describe(HttpRequestException e)
    {
        var kind = e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "name not resolved",
            HttpRequestError.ConnectionError => "cannot connect",
            HttpRequestError.SecureConnectionError => "TLS handshake failed",
            HttpRequestError.ResponseEnded => "connection closed before an answer",
            HttpRequestError.InvalidResponse => "not an HTTP answer",
            HttpRequestError.HttpProtocolError => "HTTP protocol error",
            _ => "request failed",
        };
        return e.InnerException is SocketException socket ? $"{kind}: {socket.Message}" : kind;
    }

    static double Milliseconds(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2);

    public void Dispose() => client.Dispose();
}
