using System.Text.RegularExpressions;

namespace WhoAmI.Tests.InMemory;

/// <summary>Every duration the docs show a user (README, openapi.yaml, docs/, deploy/) is one the server accepts.</summary>
public sealed partial class DocumentedExamplesTests
{
    /// <summary>Where a duration is written: after a parameter or a flag that takes one, or in backquotes in Go's form.</summary>
    [GeneratedRegex(@"(?:\bwait=|\bdelay=|--drain-delay[ =]|--fault-delay[ =]|--backend-timeout[ =]|_DELAY[=:] ?""?|example: (?=[-+]?[0-9.]+[a-zµμ]))(?<d>[-+]?[0-9.][0-9a-zµμ.]*)|`(?<d>[-+]?([0-9]*\.?[0-9]+(ns|us|µs|μs|ms|s|m|h))+)`")]
    private static partial Regex Duration();

    public static TheoryData<string> Files() =>
        [.. new[] { "README.md", "WhoAmI/openapi.yaml", "deploy/README.md", "deploy/compose.yaml", "deploy/stack.yaml" }
            .Concat(Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "docs"), "*.md").Select(f => Path.GetRelativePath(RepositoryRoot.Path, f)))];

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_documented_duration_example_is_accepted_by_the_parser(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot.Path, file));
        var examples = Duration().Matches(text).Select(m => m.Groups["d"].Value)
            .Where(d => d.Any(char.IsLetter) || d == "0") // "example: 503" is a status, not a duration
            .Distinct().ToList();

        foreach (var example in examples)
        {
            Assert.True(GoDuration.TryParse(example, WhoAmISettings.MaxDrainDelay, out _), $"{file}: '{example}' is not a duration from 0s to 60s");
        }
    }

    [Fact]
    public void The_readme_and_the_openapi_document_show_duration_examples()
    {
        foreach (var file in new[] { "README.md", "WhoAmI/openapi.yaml" })
        {
            Assert.True(Duration().Matches(File.ReadAllText(Path.Combine(RepositoryRoot.Path, file))).Count >= 3, $"{file}: the pattern found no examples");
        }
    }
}
