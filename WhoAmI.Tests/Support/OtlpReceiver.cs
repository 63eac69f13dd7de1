using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace WhoAmI.Tests.Support;

/// <summary>
/// An OTLP/HTTP endpoint on loopback, as a collector serves it: <c>POST /v1/traces</c>, <c>/v1/metrics</c> and
/// <c>/v1/logs</c> with <c>application/x-protobuf</c> export requests, decoded by the classes Grpc.Tools generates from
/// OpenTelemetry's .proto files. It keeps every span and log record with its resource, the names of the metrics, and
/// the headers each batch came with; it can answer the first exports <c>503</c> with <c>Retry-After</c>, as a collector
/// under pressure does.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    public sealed record ReceivedSpan(Span Span, IReadOnlyDictionary<string, string> Resource, string Scope, IReadOnlyDictionary<string, string> Headers)
    {
        public string TraceId => Convert.ToHexStringLower(Span.TraceId.Span);

        public string ParentSpanId => Convert.ToHexStringLower(Span.ParentSpanId.Span);

        public string Attribute(string key) => Text(Span.Attributes.SingleOrDefault(a => a.Key == key)?.Value);
    }

    public sealed record ReceivedLog(LogRecord Record, IReadOnlyDictionary<string, string> Resource)
    {
        public string TraceId => Convert.ToHexStringLower(Record.TraceId.Span);

        public string SpanId => Convert.ToHexStringLower(Record.SpanId.Span);

        public string Body => Text(Record.Body);
    }

    readonly WebApplication _app;
    int _refusalsLeft;

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public ConcurrentQueue<ReceivedLog> Logs { get; } = new();

    /// <summary>The name of each metric received, with the resource's <c>service.name</c>.</summary>
    public ConcurrentQueue<(string Service, string Metric)> Metrics { get; } = new();

    /// <summary>Each export request, in order of arrival: its path and the status it was answered with.</summary>
    public ConcurrentQueue<(string Path, int Status)> Exports { get; } = new();

    public ConcurrentQueue<string> Rejected { get; } = new();

    public Uri BaseAddress { get; }

    OtlpReceiver(WebApplication app, Uri baseAddress, int refusals)
    {
        _app = app;
        BaseAddress = baseAddress;
        _refusalsLeft = refusals;
    }

    /// <param name="refusals">How many trace exports get <c>503 Service Unavailable</c> and <c>Retry-After: 1</c>
    /// before the receiver takes any.</param>
    public static async Task<OtlpReceiver> StartAsync(int refusals = 0)
    {
        var port = WhoAmIProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, new Uri($"http://127.0.0.1:{port}"), refusals);
        app.MapPost("/v1/traces", context => receiver.ReceiveAsync(context, ExportTraceServiceRequest.Parser, new ExportTraceServiceResponse(), receiver.Keep));
        app.MapPost("/v1/metrics", context => receiver.ReceiveAsync(context, ExportMetricsServiceRequest.Parser, new ExportMetricsServiceResponse(), receiver.Keep));
        app.MapPost("/v1/logs", context => receiver.ReceiveAsync(context, ExportLogsServiceRequest.Parser, new ExportLogsServiceResponse(), receiver.Keep));
        await app.StartAsync(Cancel);
        return receiver;
    }

    async Task ReceiveAsync<TRequest>(HttpContext context, MessageParser<TRequest> parser, IMessage response, Action<TRequest, IReadOnlyDictionary<string, string>> keep)
        where TRequest : IMessage<TRequest>
    {
        if (context.Request.ContentType != "application/x-protobuf")
        {
            Rejected.Enqueue($"Content-Type {context.Request.ContentType}");
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            Exports.Enqueue((context.Request.Path, context.Response.StatusCode));
            return;
        }

        if (context.Request.Path == "/v1/traces" && Interlocked.Decrement(ref _refusalsLeft) >= 0)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            Exports.Enqueue((context.Request.Path, context.Response.StatusCode));
            return;
        }

        using var body = new MemoryStream();
        var content = context.Request.Headers.ContentEncoding == "gzip"
            ? new System.IO.Compression.GZipStream(context.Request.Body, System.IO.Compression.CompressionMode.Decompress)
            : context.Request.Body;
        await content.CopyToAsync(body, context.RequestAborted);
        keep(parser.ParseFrom(body.ToArray()), context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
        Exports.Enqueue((context.Request.Path, StatusCodes.Status200OK));
        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.WriteAsync(response.ToByteArray(), context.RequestAborted);
    }

    void Keep(ExportTraceServiceRequest request, IReadOnlyDictionary<string, string> headers)
    {
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = Attributes(resourceSpans.Resource.Attributes);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    Spans.Enqueue(new ReceivedSpan(span, resource, scopeSpans.Scope.Name, headers));
                }
            }
        }
    }

    void Keep(ExportMetricsServiceRequest request, IReadOnlyDictionary<string, string> headers)
    {
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var service = Attributes(resourceMetrics.Resource.Attributes).GetValueOrDefault("service.name", "");
            foreach (var metric in resourceMetrics.ScopeMetrics.SelectMany(s => s.Metrics))
            {
                Metrics.Enqueue((service, metric.Name));
            }
        }
    }

    void Keep(ExportLogsServiceRequest request, IReadOnlyDictionary<string, string> headers)
    {
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resource = Attributes(resourceLogs.Resource.Attributes);
            foreach (var record in resourceLogs.ScopeLogs.SelectMany(s => s.LogRecords))
            {
                Logs.Enqueue(new ReceivedLog(record, resource));
            }
        }
    }

    static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes) => attributes.ToDictionary(a => a.Key, a => Text(a.Value));

    static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        null => "",
        _ => value.ToString(),
    };

    static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>The first span of <paramref name="traceId"/>, once it has arrived.</summary>
    public async Task<ReceivedSpan> WaitForSpanAsync(string traceId) =>
        (await WaitForSpansAsync(traceId, 1)).FirstOrDefault()
        ?? throw new TimeoutException($"no span of trace {traceId} arrived in {Patience.TotalSeconds:0} s; " +
            $"{Spans.Count} others did{(Rejected.IsEmpty ? "" : $", rejected: {string.Join("; ", Rejected)}")}");

    /// <summary>The spans of <paramref name="traceId"/> once <paramref name="count"/> have arrived, or those that
    /// arrived within 15 s.</summary>
    public Task<List<ReceivedSpan>> WaitForSpansAsync(string traceId, int count) =>
        WaitForAsync<ReceivedSpan>(() => [.. Spans.Where(s => s.TraceId == traceId)], count);

    /// <summary>The log records that <paramref name="match"/>, once one has arrived, or none within 15 s.</summary>
    public Task<List<ReceivedLog>> WaitForLogsAsync(Func<ReceivedLog, bool> match) => WaitForAsync<ReceivedLog>(() => [.. Logs.Where(match)], 1);

    /// <summary>The metric names received, once <paramref name="name"/> is among them, or all within 15 s.</summary>
    public async Task<List<string>> WaitForMetricAsync(string name) =>
        await WaitForAsync<string>(() => [.. Metrics.Select(m => m.Metric).Distinct()], 1, names => names.Contains(name));

    static async Task<List<T>> WaitForAsync<T>(Func<List<T>> read, int count, Func<List<T>, bool>? done = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        List<T> arrived;
        while (!((done ?? (a => a.Count >= count))(arrived = read())) && DateTime.UtcNow < deadline)
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
