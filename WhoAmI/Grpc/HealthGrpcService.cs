using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using WhoAmI.Lifecycle;

namespace WhoAmI.Grpc;

/// <summary>
/// The standard <c>grpc.health.v1.Health</c> (https://github.com/grpc/grpc/blob/master/doc/health-checking.md), for the
/// server as a whole (<c>""</c>) and for <c>whoami.Whoami</c>: SERVING while <c>/health</c> answers a 2xx, as
/// <c>WhoAmI --probe</c> counts it, NOT_SERVING otherwise (a code set with POST /health, or the server stopping after any drain).
/// </summary>
internal sealed class HealthGrpcService(HealthState health, ShutdownSequence shutdown)
{
    public const string ServiceName = "grpc.health.v1.Health";

    /// <summary><c>message HealthCheckRequest { string service = 1; }</c>, read as its service name.</summary>
    internal static readonly Marshaller<string> ServiceRequest = Marshallers.Create<string>(
        _ => throw new NotSupportedException("a request is read, never written, by this server"),
        bytes =>
        {
            var service = "";
            var valid = true;
            return ProtobufWire.ReadFields(bytes, (number, type, value) =>
            {
                if (number == 1 && ProtobufWire.IsString(type))
                {
                    valid &= ProtobufWire.TryReadString(value, out service);
                }
            }) && valid ? service : throw ProtobufWire.Malformed();
        });

    internal static readonly Marshaller<HealthCheckResponse> Response =
        ProtobufWire.Reply<HealthCheckResponse>((response, output) => ProtobufWire.WriteVarint(output, 1, (int)response.Status));

    // After the marshallers: static fields are set in the order they are written.
    static readonly Method<string, HealthCheckResponse> CheckMethod = new(MethodType.Unary, ServiceName, "Check", ServiceRequest, Response);
    static readonly Method<string, HealthCheckResponse> WatchMethod = new(MethodType.ServerStreaming, ServiceName, "Watch", ServiceRequest, Response);

    ServingStatus StatusOf(string service) => service is "" or WhoamiGrpcService.ServiceName
        ? health.StatusCode is >= 200 and < 300 ? ServingStatus.Serving : ServingStatus.NotServing
        : ServingStatus.ServiceUnknown;

    Task<HealthCheckResponse> Check(string service) => StatusOf(service) is var status and not ServingStatus.ServiceUnknown
        ? Task.FromResult(new HealthCheckResponse(status))
        : throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{service}'"));

    /// <summary>The status now, then each time it changes, until the client goes away or the server stops, whose last
    /// word is NOT_SERVING. An unknown service stays SERVICE_UNKNOWN, and the call open, as the protocol asks.</summary>
    async Task Watch(string service, IServerStreamWriter<HealthCheckResponse> stream, ServerCallContext context)
    {
        using var changed = new SemaphoreSlim(0);
        using var callOrServerEnds = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, shutdown.Stopping);
        void OnChanged() => changed.Release();
        health.Changed += OnChanged;
        try
        {
            var sent = (ServingStatus)(-1);
            while (!context.CancellationToken.IsCancellationRequested)
            {
                var status = StatusOf(service);
                if (status != sent)
                {
                    await stream.WriteAsync(new HealthCheckResponse(status), context.CancellationToken);
                    sent = status;
                }

                if (shutdown.Stopping.IsCancellationRequested)
                {
                    return;
                }

                await changed.WaitAsync(callOrServerEnds.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away: the call ends.
        }
        finally
        {
            health.Changed -= OnChanged;
        }
    }

    /// <summary>The methods, given to Grpc.AspNetCore without reflection.</summary>
    internal sealed class Methods : IServiceMethodProvider<HealthGrpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<HealthGrpcService> context)
        {
            context.AddUnaryMethod(CheckMethod, [], (service, request, _) => service.Check(request));
            context.AddServerStreamingMethod(WatchMethod, [], (service, request, stream, call) => service.Watch(request, stream, call));
        }
    }

    /// <summary><c>message HealthCheckResponse { ServingStatus status = 1; }</c></summary>
    internal sealed class HealthCheckResponse(ServingStatus status)
    {
        public ServingStatus Status => status;
    }

    /// <summary><c>HealthCheckResponse.ServingStatus</c>.</summary>
    internal enum ServingStatus
    {
        Unknown = 0,
        Serving = 1,
        NotServing = 2,
        ServiceUnknown = 3,
    }
}
