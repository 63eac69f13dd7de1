using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using WhoAmI.Grpc;
using WhoAmI.Lifecycle;
using WhoAmI.Network;

namespace WhoAmI.Telemetry;

/// <summary>
/// Tracing, on when an OTLP endpoint is set (<see cref="OtlpSettings"/>): ASP.NET Core's own request activity (it
/// continues an incoming W3C <c>traceparent</c>, and names and tags the span by the HTTP semantic conventions) is
/// recorded by an <see cref="ActivityListener"/> and sent as OTLP/HTTP protobuf in batches of up to 512, once a second
/// or as soon as a batch is full; beyond 2,048 waiting, spans are dropped and counted in a warning.
/// Sampling is OpenTelemetry's default, parent-based always-on, or the one <c>OTEL_TRACES_SAMPLER</c> names: a request
/// whose <c>traceparent</c> says "not sampled" keeps its trace id (the access log shows it) but sends no span. A batch
/// that fails is dropped, with a warning.
/// Not OpenTelemetry's SDK and OTLP exporter: with HttpClient they cost more than this service's 1.5 MB budget
/// (docs/tuning.md, issue 24); the wire format is ProtobufWire's, the HTTP/1.1 POST a socket's, as in HealthProbe.
/// </summary>
internal sealed class OtlpTraces : IHostedLifecycleService, IDisposable
{
    const int MaxQueued = 2048, MaxBatch = 512;
    static readonly TimeSpan Interval = TimeSpan.FromSeconds(1), ExportTimeout = TimeSpan.FromSeconds(10);

    readonly OtlpSettings settings;
    readonly ILogger log;
    readonly byte[] resource;
    readonly ActivityListener listener;
    readonly ConcurrentQueue<Activity> queue = new();
    readonly CancellationTokenSource stopping = new();
    readonly SemaphoreSlim full = new(0);
    int queued, dropped;
    Task? loop;

    public OtlpTraces(OtlpSettings settings, IHostNameSource hostName, ILogger<OtlpTraces> log)
    {
        this.settings = settings;
        this.log = log;
        var version = typeof(OtlpTraces).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
        resource = Encode(w =>
        {
            Attribute(w, 1, "service.name", settings.ServiceName);
            Attribute(w, 1, "service.version", version);
            Attribute(w, 1, "host.name", hostName.GetHostName() ?? "unknown");
        });
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            // Not sampled: the activity still carries the trace id (the access log shows it), and no span is sent.
            Sample = (ref ActivityCreationOptions<ActivityContext> options) => settings.Samples(options.Parent, options.TraceId)
                ? ActivitySamplingResult.AllDataAndRecorded
                : ActivitySamplingResult.PropagationData,
            ActivityStopped = Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    void Enqueue(Activity activity)
    {
        if (!activity.Recorded)
        {
            return;
        }

        var waiting = Interlocked.Increment(ref queued);
        if (waiting > MaxQueued)
        {
            Interlocked.Decrement(ref queued);
            Interlocked.Increment(ref dropped);
            return;
        }

        queue.Enqueue(activity);
        if (waiting % MaxBatch == 0)
        {
            full.Release(); // a whole batch waits: send it now, not at the next tick
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        loop = Task.Run(async () =>
        {
            try
            {
                // Every second, or as soon as a batch is full. Stopping ends the wait, never an export under way:
                // StoppedAsync waits for it, then sends the rest.
                while (true)
                {
                    await full.WaitAsync(Interval, stopping.Token);
                    await ExportQueuedAsync();
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
        });
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the server has stopped (drain and requests in flight included): the last spans.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        if (loop is not null)
        {
            await loop;
        }

        await ExportQueuedAsync();
    }

    /// <summary>Sends what is queued, a batch at a time, each batch given <see cref="ExportTimeout"/>.</summary>
    async Task ExportQueuedAsync()
    {
        if (Interlocked.Exchange(ref dropped, 0) is > 0 and var lost)
        {
            log.LogWarning("{count} spans dropped: more than {max} waited to be sent to {endpoint}", lost, MaxQueued, settings.TracesEndpoint);
        }

        while (!queue.IsEmpty)
        {
            var batch = new List<Activity>(MaxBatch);
            while (batch.Count < MaxBatch && queue.TryDequeue(out var activity))
            {
                Interlocked.Decrement(ref queued);
                batch.Add(activity);
            }

            try
            {
                using var timeout = new CancellationTokenSource(ExportTimeout);
                var status = await PostAsync(ExportRequest(batch), timeout.Token);
                if (status is < 200 or > 299)
                {
                    log.LogWarning("{count} spans dropped: {endpoint} answered {status}", batch.Count, settings.TracesEndpoint, status);
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException
                or System.Security.Authentication.AuthenticationException or FormatException)
            {
                log.LogWarning("{count} spans dropped: {endpoint}: {error}", batch.Count, settings.TracesEndpoint, e.Message);
            }
        }
    }

    /// <summary>opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest: one resource, a scope per source.</summary>
    byte[] ExportRequest(List<Activity> batch) => Encode(request =>
        ProtobufWire.WriteMessage(request, 1, batch, (resourceSpans, spans) =>
        {
            ProtobufWire.WriteBytes(resourceSpans, 1, resource, repeated: true);
            foreach (var scope in spans.GroupBy(a => a.Source))
            {
                ProtobufWire.WriteMessage(resourceSpans, 2, scope, (scopeSpans, activities) =>
                {
                    ProtobufWire.WriteMessage(scopeSpans, 1, activities.Key, static (w, source) =>
                    {
                        ProtobufWire.WriteString(w, 1, source.Name);
                        ProtobufWire.WriteString(w, 2, source.Version ?? "");
                    });
                    foreach (var activity in activities)
                    {
                        ProtobufWire.WriteMessage(scopeSpans, 2, activity, WriteSpan);
                    }
                });
            }
        }));

    /// <summary>opentelemetry.proto.trace.v1.Span.</summary>
    static void WriteSpan(IBufferWriter<byte> w, Activity activity)
    {
        Span<byte> id = stackalloc byte[16];
        activity.TraceId.CopyTo(id);
        ProtobufWire.WriteBytes(w, 1, id);
        activity.SpanId.CopyTo(id[..8]);
        ProtobufWire.WriteBytes(w, 2, id[..8]);
        ProtobufWire.WriteString(w, 3, activity.TraceStateString ?? "");
        if (activity.ParentSpanId != default)
        {
            activity.ParentSpanId.CopyTo(id[..8]);
            ProtobufWire.WriteBytes(w, 4, id[..8]);
        }

        ProtobufWire.WriteString(w, 5, activity.DisplayName);
        ProtobufWire.WriteVarint(w, 6, activity.Kind switch
        {
            ActivityKind.Server => 2,
            ActivityKind.Client => 3,
            ActivityKind.Producer => 4,
            ActivityKind.Consumer => 5,
            _ => 1,
        });
        var start = (ulong)(activity.StartTimeUtc - DateTime.UnixEpoch).Ticks * 100;
        ProtobufWire.WriteFixed64(w, 7, start);
        ProtobufWire.WriteFixed64(w, 8, start + (ulong)activity.Duration.Ticks * 100);
        foreach (var (key, value) in activity.TagObjects)
        {
            Attribute(w, 9, key, value);
        }

        if (activity.Status != ActivityStatusCode.Unset)
        {
            ProtobufWire.WriteMessage(w, 15, activity, static (status, a) =>
            {
                ProtobufWire.WriteString(status, 2, a.StatusDescription ?? "");
                ProtobufWire.WriteVarint(status, 3, a.Status == ActivityStatusCode.Ok ? 1 : 2);
            });
        }

        // The W3C flags, and that the parent's context came from another process (a traceparent header) or not.
        const uint HasIsRemote = 0x100, IsRemote = 0x200;
        ProtobufWire.WriteFixed32(w, 16, (uint)activity.ActivityTraceFlags | HasIsRemote | (activity.HasRemoteParent ? IsRemote : 0));
    }

    /// <summary>A KeyValue (opentelemetry.proto.common.v1) as field <paramref name="number"/>.</summary>
    static void Attribute(IBufferWriter<byte> w, int number, string key, object? value) =>
        ProtobufWire.WriteMessage(w, number, (key, value), static (keyValue, pair) =>
        {
            ProtobufWire.WriteString(keyValue, 1, pair.key);
            ProtobufWire.WriteMessage(keyValue, 2, pair.value, static (any, v) =>
            {
                switch (v)
                {
                    case bool b:
                        ProtobufWire.WriteVarint(any, 2, b ? 1 : 0);
                        break;
                    case int or long or short or byte or uint:
                        ProtobufWire.WriteVarint(any, 3, Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    case double or float:
                        ProtobufWire.WriteFixed64(any, 4, BitConverter.DoubleToUInt64Bits(Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)));
                        break;
                    default:
                        ProtobufWire.WriteString(any, 1, Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "", repeated: true);
                        break;
                }
            });
        });

    static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>One HTTP/1.1 POST on its own connection (<c>Connection: close</c>); the status code it got.</summary>
    async Task<int> PostAsync(byte[] body, CancellationToken cancel)
    {
        var url = settings.TracesEndpoint;
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(url.IdnHost, url.Port, cancel);
        await using var stream = url.Scheme == Uri.UriSchemeHttps ? await TlsAsync(new NetworkStream(socket, ownsSocket: false), url, cancel)
            : new NetworkStream(socket, ownsSocket: false);
        var head = new StringBuilder()
            .Append("POST ").Append(url.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(url.Authority).Append("\r\n")
            .Append("Content-Type: application/x-protobuf\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n")
            .Append("Connection: close\r\n");
        foreach (var (name, value) in settings.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(head.Append("\r\n").ToString()), cancel);
        await stream.WriteAsync(body, cancel);

        var (code, firstLine) = await HttpStatusLine.ReadAsync(stream, cancel);
        return code ?? throw new FormatException($"not an HTTP answer: '{firstLine}'");
    }

    static async Task<Stream> TlsAsync(Stream stream, Uri url, CancellationToken cancel)
    {
        var ssl = new SslStream(stream);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, cancel);
        return ssl;
    }

    public void Dispose()
    {
        listener.Dispose();
        stopping.Dispose();
        full.Dispose();
    }
}
