#:property PublishAot=false
// Finishes the SPDX document that sbom-tool wrote: adds the base image as a package the app depends on, sorts
// packages and relationships, which sbom-tool lists in a different order on every run (4 runs, 4 orders), and
// derives the root package's SWID tag id from the document namespace instead of a random GUID, so that one
// commit gives one document. Run by Sbom.targets beside it:
//   dotnet run --file WhoAmI/build/finish-spdx.cs -- IN.spdx.json OUT.spdx.json REGISTRY/REPOSITORY:TAG[@DIGEST]
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: finish-spdx IN.spdx.json OUT.spdx.json BASE-IMAGE");
    return 2;
}

var (input, output, baseImage) = (args[0], args[1], args[2]);
var document = JsonNode.Parse(File.ReadAllText(input))!.AsObject();

var (nameAndTag, digest) = baseImage.Split('@') is [var n, var d] ? (n, d) : (baseImage, null);
var tagAt = nameAndTag.LastIndexOf(':') > nameAndTag.LastIndexOf('/') ? nameAndTag.LastIndexOf(':') : -1;
var repository = tagAt < 0 ? nameAndTag : nameAndTag[..tagAt];
var tag = tagAt < 0 ? "latest" : nameAndTag[(tagAt + 1)..];
var purl = $"pkg:oci/{repository[(repository.LastIndexOf('/') + 1)..]}{(digest is null ? "" : "@" + digest.Replace(":", "%3A"))}"
    + $"?repository_url={repository}&tag={tag}";

document["packages"]!.AsArray().Add(new JsonObject
{
    ["name"] = repository,
    ["SPDXID"] = "SPDXRef-BaseImage",
    ["versionInfo"] = digest ?? tag,
    ["downloadLocation"] = "NOASSERTION",
    ["filesAnalyzed"] = false,
    ["licenseConcluded"] = "NOASSERTION",
    ["licenseDeclared"] = "NOASSERTION",
    ["copyrightText"] = "NOASSERTION",
    ["supplier"] = "NOASSERTION",
    ["comment"] = $"Base image: {baseImage}",
    ["externalRefs"] = new JsonArray(new JsonObject
    {
        ["referenceCategory"] = "PACKAGE-MANAGER",
        ["referenceType"] = "purl",
        ["referenceLocator"] = purl,
    }),
});
document["relationships"]!.AsArray().Add(new JsonObject
{
    ["relationshipType"] = "DEPENDS_ON",
    ["relatedSpdxElement"] = "SPDXRef-BaseImage",
    ["spdxElementId"] = "SPDXRef-RootPackage",
});

var tagId = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(document["documentNamespace"]!.GetValue<string>()))[..16]).ToString();
foreach (var reference in document["packages"]!.AsArray().Where(p => (string?)p!["SPDXID"] == "SPDXRef-RootPackage")
    .SelectMany(p => p!["externalRefs"]?.AsArray() ?? []))
{
    reference!["referenceLocator"] = Regex.Replace(reference["referenceLocator"]!.GetValue<string>(), "tag_id=[0-9a-fA-F-]+", $"tag_id={tagId}");
}

Sort("packages", p => $"{p["name"]}|{p["versionInfo"]}|{p["SPDXID"]}");
Sort("relationships", r => $"{r["spdxElementId"]}|{r["relationshipType"]}|{r["relatedSpdxElement"]}");
Sort("files", f => $"{f["SPDXID"]}");

File.WriteAllText(output, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
return 0;

void Sort(string property, Func<JsonNode, string> key)
{
    if (document[property] is JsonArray array)
    {
        var sorted = array.Select(n => n!.DeepClone()).OrderBy(key, StringComparer.Ordinal).ToList();
        array.Clear();
        sorted.ForEach(array.Add);
    }
}
