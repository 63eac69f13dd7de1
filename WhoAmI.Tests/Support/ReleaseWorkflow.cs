using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace WhoAmI.Tests.Support;

/// <summary>.github/workflows/release.yml as the tests read it: its steps, and the publish command's properties, so
/// that the registry tests push with what a release pushes with.</summary>
public static class ReleaseWorkflow
{
    public const string PublishStepName = "Publish the image";

    static readonly Lazy<Dictionary<string, object>> Document = new(() => new DeserializerBuilder().Build()
        .Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".github", "workflows", "release.yml"))));

    public static Dictionary<object, object> On => (Dictionary<object, object>)Document.Value["on"];

    /// <summary>The steps of its one job, each a map (name, uses, run, with, env).</summary>
    public static IReadOnlyList<Dictionary<object, object>> Steps =>
        ((List<object>)((Dictionary<object, object>)((Dictionary<object, object>)Document.Value["jobs"]).Values.Single())["steps"])
        .Cast<Dictionary<object, object>>().ToList();

    public static Dictionary<object, object> PublishStep => Steps.Single(s => s.TryGetValue("name", out var n) && (string)n == PublishStepName);

    /// <summary>The command of <see cref="PublishStepName"/>, on one line.</summary>
    public static string PublishCommand => Regex.Replace((string)PublishStep["run"], @"\s+", " ").Trim();

    /// <summary>Its <c>-p:NAME=VALUE</c> properties, shell quotes removed.</summary>
    public static IReadOnlyDictionary<string, string> PublishProperties =>
        Regex.Matches(PublishCommand, @"-p:(\w+)=('[^']*'|""[^""]*""|\S+)").ToDictionary(m => m.Groups[1].Value, m => Unquote(m.Groups[2].Value));

    static string Unquote(string value) =>
        value.Length >= 2 && value[0] is '\'' or '"' && value[^1] == value[0] ? Unquote(value[1..^1]) : value;
}
