using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using WhoAmI.Network;

namespace WhoAmI.Grpc;

/// <summary>
/// <c>whoami.Whoami</c>, as traefik/whoami's grpc.proto declares it (WhoAmI/Protos/whoami.proto): <c>Whoami</c> says what
/// <c>/</c> says (the name, the host name and the addresses), <c>Bench</c> answers 1.
/// </summary>
internal sealed class WhoamiGrpcService(IHostNameSource hostName, string? name, bool maskIps)
{
    public const string ServiceName = "whoami.Whoami";

    static readonly Method<Unit, WhoamiReply> WhoamiMethod = new(MethodType.Unary, ServiceName, "Whoami", ProtobufWire.Empty, WhoamiReply.Marshaller);
    static readonly Method<Unit, BenchReply> BenchMethod = new(MethodType.Unary, ServiceName, "Bench", ProtobufWire.Empty, BenchReply.Marshaller);
    static readonly Task<BenchReply> One = Task.FromResult(new BenchReply(1));

    Task<WhoamiReply> Whoami() => Task.FromResult(new WhoamiReply(name ?? "", hostName.GetHostName() ?? "", NetworkAddresses.Shown(maskIps)));

    /// <summary>The methods, given to Grpc.AspNetCore without reflection.</summary>
    internal sealed class Methods : IServiceMethodProvider<WhoamiGrpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<WhoamiGrpcService> context)
        {
            context.AddUnaryMethod(WhoamiMethod, [], (service, _, _) => service.Whoami());
            context.AddUnaryMethod(BenchMethod, [], (_, _, _) => One);
        }
    }
}

/// <summary><c>message WhoamiReply { string name = 1; string hostname = 2; repeated string iface = 3; }</c>
/// (Classes, not records: a record's generated ToString and equality would be compiled in, and are never used.)</summary>
internal sealed class WhoamiReply(string name, string hostname, IReadOnlyList<string> iface)
{
    public string Name => name;

    public string Hostname => hostname;

    public IReadOnlyList<string> Iface => iface;

    public static readonly Marshaller<WhoamiReply> Marshaller = ProtobufWire.Reply<WhoamiReply>((reply, output) =>
    {
        ProtobufWire.WriteString(output, 1, reply.Name);
        ProtobufWire.WriteString(output, 2, reply.Hostname);
        foreach (var address in reply.Iface)
        {
            ProtobufWire.WriteString(output, 3, address, repeated: true);
        }
    });
}

/// <summary><c>message BenchReply { int32 data = 1; }</c></summary>
internal sealed class BenchReply(int data)
{
    public int Data => data;

    public static readonly Marshaller<BenchReply> Marshaller = ProtobufWire.Reply<BenchReply>((reply, output) => ProtobufWire.WriteVarint(output, 1, reply.Data));
}
