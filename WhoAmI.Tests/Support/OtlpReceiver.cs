using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace WhoAmI.Tests.Support;

/// <summary>
/// An OTLP/HTTP trace endpoint on loopback, as a collector serves it: <c>POST /v1/traces</c> with an
/// <c>application/x-protobuf</c> ExportTraceServiceRequest, decoded by the classes Grpc.Tools generates from
/// OpenTelemetry's .proto files. It keeps every span with its resource, and the headers each batch came with.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    public sealed record ReceivedSpan(Span Span, IReadOnlyDictionary<string, string> Resource, string Scope, IReadOnlyDictionary<string, string> Headers)
    {
        public string TraceId => Convert.ToHexStringLower(Span.TraceId.Span);

        public string ParentSpanId => Convert.ToHexStringLower(Span.ParentSpanId.Span);

        public string Attribute(string key) => Span.Attributes.SingleOrDefault(a => a.Key == key)?.Value is { } v
            ? v.ValueCase == OpenTelemetry.Proto.Common.V1.AnyValue.ValueOneofCase.IntValue ? v.IntValue.ToString() : v.StringValue
            : "";
    }

    readonly WebApplication _app;

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public ConcurrentQueue<string> Rejected { get; } = new();

    public Uri BaseAddress { get; }

    OtlpReceiver(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = WhoAmIProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, new Uri($"http://127.0.0.1:{port}"));
        app.MapPost("/v1/traces", async context =>
        {
            if (context.Request.ContentType != "application/x-protobuf")
            {
                receiver.Rejected.Enqueue($"Content-Type {context.Request.ContentType}");
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                return;
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var request = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            foreach (var resourceSpans in request.ResourceSpans)
            {
                var resource = resourceSpans.Resource.Attributes.ToDictionary(a => a.Key, a => a.Value.StringValue);
                foreach (var scopeSpans in resourceSpans.ScopeSpans)
                {
                    foreach (var span in scopeSpans.Spans)
                    {
                        receiver.Spans.Enqueue(new ReceivedSpan(span, resource, scopeSpans.Scope.Name, headers));
                    }
                }
            }

            context.Response.ContentType = "application/x-protobuf";
            await context.Response.Body.WriteAsync(Google.Protobuf.MessageExtensions.ToByteArray(new ExportTraceServiceResponse()), context.RequestAborted);
        });
        await app.StartAsync(Cancel);
        return receiver;
    }

    static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>The first span of <paramref name="traceId"/>, once it has arrived.</summary>
    public async Task<ReceivedSpan> WaitForSpanAsync(string traceId) =>
        (await WaitForSpansAsync(traceId, 1)).FirstOrDefault()
        ?? throw new TimeoutException($"no span of trace {traceId} arrived in {Patience.TotalSeconds:0} s; " +
            $"{Spans.Count} others did{(Rejected.IsEmpty ? "" : $", rejected: {string.Join("; ", Rejected)}")}");

    /// <summary>The spans of <paramref name="traceId"/> once <paramref name="count"/> have arrived, or those that
    /// arrived within 15 s.</summary>
    public async Task<List<ReceivedSpan>> WaitForSpansAsync(string traceId, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        List<ReceivedSpan> arrived;
        while ((arrived = [.. Spans.Where(s => s.TraceId == traceId)]).Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Cancel);
        }

        return arrived;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
