using System.Text.Json.Serialization;

namespace WhoAmI.Payloads;

/// <summary>Every type the service writes as JSON, serialized by source-generated code (no reflection, AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiInfo))]
[JsonSerializable(typeof(ChainHop))]
internal sealed partial class WhoAmIJsonContext : JsonSerializerContext;
