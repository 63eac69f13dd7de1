using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Whoami;

namespace WhoAmI.Tests.InMemory;

/// <summary>gRPC in memory, through clients generated from WhoAmI/Protos/whoami.proto and Grpc.HealthCheck's.</summary>
public sealed class GrpcTests : IAsyncDisposable
{
    readonly WhoAmIFactory _app = new(settings: WhoAmISettings.Parse(["--name", "grpc-replica"], _ => null));
    readonly GrpcChannel _channel;

    public GrpcTests()
    {
        _channel = GrpcChannel.ForAddress(_app.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _app.Server.CreateHandler() });
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Whoami_gives_the_name_the_host_name_and_the_addresses_of_slash()
    {
        var reply = await new Whoami.Whoami.WhoamiClient(_channel).WhoamiAsync(new WhoamiRequest(), cancellationToken: Cancel);

        Assert.Equal("grpc-replica", reply.Name);
        Assert.Equal(WhoAmIFactory.DottedHostName, reply.Hostname);
        Assert.Equal(NetworkAddresses.All(), reply.Iface);
        Assert.Contains("127.0.0.1", reply.Iface);
    }

    [Fact]
    public async Task Bench_answers_1()
    {
        var reply = await new Whoami.Whoami.WhoamiClient(_channel).BenchAsync(new BenchRequest(), cancellationToken: Cancel);

        Assert.Equal(1, reply.Data);
    }

    [Fact]
    public async Task Whoami_without_a_name_leaves_the_name_empty()
    {
        await using var app = new WhoAmIFactory();
        using var channel = GrpcChannel.ForAddress(app.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = app.Server.CreateHandler() });

        var reply = await new Whoami.Whoami.WhoamiClient(channel).WhoamiAsync(new WhoamiRequest(), cancellationToken: Cancel);

        Assert.Equal("", reply.Name);
        Assert.Equal(WhoAmIFactory.DottedHostName, reply.Hostname);
    }

    [Fact]
    public async Task Whoami_with_mask_ips_leaves_the_addresses_out()
    {
        await using var app = new WhoAmIFactory(settings: WhoAmISettings.Parse(["--mask-ips"], _ => null));
        using var channel = GrpcChannel.ForAddress(app.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = app.Server.CreateHandler() });

        var reply = await new Whoami.Whoami.WhoamiClient(channel).WhoamiAsync(new WhoamiRequest(), cancellationToken: Cancel);

        Assert.Empty(reply.Iface);
        Assert.Equal(WhoAmIFactory.DottedHostName, reply.Hostname);
    }

    [Theory]
    [InlineData("")]
    [InlineData("whoami.Whoami")]
    public async Task Health_check_follows_the_code_of_slash_health(string service)
    {
        var health = new Health.HealthClient(_channel);
        var http = _app.CreateClient();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Cancel)).Status);
        await http.PostAsync("/health", new StringContent("503"), Cancel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing,
            (await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Cancel)).Status);
        await http.PostAsync("/health", new StringContent("204"), Cancel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Cancel)).Status);
    }

    [Fact]
    public async Task Health_check_of_an_unknown_service_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest { Service = "nope.Nope" }, cancellationToken: Cancel));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Health_watch_sends_the_status_then_each_change()
    {
        using var watch = new Health.HealthClient(_channel).Watch(new HealthCheckRequest(), cancellationToken: Cancel);
        var http = _app.CreateClient();

        Assert.True(await watch.ResponseStream.MoveNext(Cancel));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
        await http.PostAsync("/health", new StringContent("500"), Cancel);
        Assert.True(await watch.ResponseStream.MoveNext(Cancel));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, watch.ResponseStream.Current.Status);
        await http.PostAsync("/health", new StringContent("200"), Cancel);
        Assert.True(await watch.ResponseStream.MoveNext(Cancel));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task Health_watch_of_an_unknown_service_says_service_unknown_and_stays_open()
    {
        using var watch = new Health.HealthClient(_channel).Watch(new HealthCheckRequest { Service = "nope.Nope" }, cancellationToken: Cancel);

        Assert.True(await watch.ResponseStream.MoveNext(Cancel));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.ServiceUnknown, watch.ResponseStream.Current.Status);
        using var soon = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        soon.CancelAfter(TimeSpan.FromMilliseconds(300));
        var next = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(soon.Token));
        Assert.Equal(StatusCode.Cancelled, next.StatusCode);
    }

    [Fact]
    public async Task A_method_the_service_does_not_have_is_unimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CallRawAsync("Nope", []));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Theory]
    [InlineData(new byte[] { 0xff })]                   // a varint that never ends
    [InlineData(new byte[] { 0x0a, 0x05, 0x61 })]       // a string longer than what follows
    [InlineData(new byte[] { 0x0b })]                   // a group, not proto3
    [InlineData(new byte[] { 0x00, 0x01 })]             // field number 0
    public async Task A_malformed_request_message_is_an_invalid_argument(byte[] message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CallRawAsync("Whoami", message));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Unknown_fields_in_a_request_are_skipped_as_proto3_requires()
    {
        // Field 7 varint 150, field 9 string "hi", field 10 fixed32, field 11 fixed64.
        byte[] request = [0x38, 0x96, 0x01, 0x4a, 0x02, 0x68, 0x69, 0x55, 1, 2, 3, 4, 0x59, 1, 2, 3, 4, 5, 6, 7, 8];

        var reply = await CallRawAsync("Bench", request);

        Assert.Equal(new byte[] { 0x08, 0x01 }, reply);
    }

    [Fact]
    public async Task Plain_http_on_a_grpc_path_is_answered_by_grpc_not_by_slash()
    {
        var response = await _app.CreateClient().GetAsync("/whoami.Whoami/Whoami", Cancel);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("Hostname:", await response.Content.ReadAsStringAsync(Cancel));
    }

    static readonly Marshaller<byte[]> Raw = Marshallers.Create(static (byte[] b) => b, static b => b);

    /// <summary>A unary call of <c>whoami.Whoami</c>'s <paramref name="method"/> with <paramref name="message"/> as its
    /// bytes, whatever they are: for what a generated client would never send.</summary>
    async Task<byte[]> CallRawAsync(string method, byte[] message) =>
        await _channel.CreateCallInvoker().AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, "whoami.Whoami", method, Raw, Raw),
            null, new CallOptions(cancellationToken: Cancel), message);
}
