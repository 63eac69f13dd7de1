using Microsoft.Extensions.Configuration;

// WhoAmI replicas behind one endpoint, each calling a backend WhoAmI on GET /chain, with their traces, metrics and
// logs in the Aspire dashboard:
//   dotnet run --project deploy/aspire          then curl 127.0.0.1:8080/chain, and open the dashboard URL it prints
// --Replicas=N (3), --Port=P (8080) and --OtlpProtocol=http/protobuf (Aspire's default is grpc) change the defaults.
var builder = DistributedApplication.CreateBuilder(args);
var replicas = builder.Configuration.GetValue("Replicas", 3);
var port = builder.Configuration.GetValue("Port", 8080);
var protocol = builder.Configuration["OtlpProtocol"] == "http/protobuf" ? OtlpProtocol.HttpProtobuf : OtlpProtocol.Grpc;

// The end of the chain: reached only by the replicas, on a port Aspire picks.
var backend = builder.AddProject<Projects.WhoAmI>("backend")
    .WithHttpEndpoint(name: "http")
    .WithEnvironment("WHOAMI_NAME", "backend")
    .WithEnvironment("WHOAMI_VERBOSE", "true")
    .WithOtlpExporter(protocol)
    .WithHttpHealthCheck("/ready");

builder.AddProject<Projects.WhoAmI>("whoami")
    // With replicas, Aspire's proxy listens on this one port and spreads requests over them, round robin.
    .WithHttpEndpoint(port: port, name: "http")
    .WithReplicas(replicas)
    // Each replica is named after its instance id, as the dashboard shows it (whoami-abcd1234): processes on one
    // machine share the host name /whoami answers with, so Name on / and /api tells them apart.
    .WithEnvironment("WHOAMI_NAME", "{{- index .Annotations \"otel-service-instance-id\" -}}")
    // GET /chain calls the backend: one trace across both, in the dashboard's Traces page.
    .WithEnvironment("WHOAMI_BACKENDS", backend.GetEndpoint("http"))
    // An access line per request: the dashboard's structured logs link each to its trace.
    .WithEnvironment("WHOAMI_VERBOSE", "true")
    .WithOtlpExporter(protocol)
    .WithHttpHealthCheck("/ready")
    .WaitFor(backend);

builder.Build().Run();
