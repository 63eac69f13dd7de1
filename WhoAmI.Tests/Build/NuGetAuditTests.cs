using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace WhoAmI.Tests.Build;

/// <summary>
/// A known-vulnerable package fails the build: a throwaway project inside the repository's build settings
/// (artifacts/tests/nuget-audit/, under Directory.Build.props and Directory.Packages.props) references
/// Newtonsoft.Json 12.0.1, which GHSA-5crp-9r3c-p9vr (high) covers, and restores with an audit source on loopback that
/// serves that advisory in NuGet's VulnerabilityInfo format. An audit source of our own because the nuget.org this
/// machine restores from serves no VulnerabilityInfo resource, so restore would pass silently here (where nuget.org
/// serves it, as on GitHub's runners, it needs none).
/// </summary>
public sealed class NuGetAuditTests
{
    const string Advisory = "https://github.com/advisories/GHSA-5crp-9r3c-p9vr";

    [Fact]
    public async Task A_package_with_a_high_advisory_fails_the_restore_naming_it()
    {
        var (exitCode, output) = await RestoreAsync("12.0.1", severity: 2);

        Assert.True(exitCode != 0, $"the restore succeeded:\n{output}");
        Assert.True(Regex.IsMatch(output, $@"error NU1903: .*'Newtonsoft\.Json' 12\.0\.1 has a known high severity vulnerability, {Regex.Escape(Advisory)}"), output);
    }

    [Fact]
    public async Task The_version_the_advisory_does_not_cover_restores()
    {
        var (exitCode, output) = await RestoreAsync("13.0.3", severity: 2);

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain("NU190", output, StringComparison.Ordinal);
    }

    /// <summary>The same advisory served as moderate (test data, not the real severity): a warning, not a failure.</summary>
    [Fact]
    public async Task A_moderate_advisory_warns_without_failing_the_restore()
    {
        var (exitCode, output) = await RestoreAsync("12.0.1", severity: 1);

        Assert.True(exitCode == 0, output);
        Assert.True(Regex.IsMatch(output, @"warning NU1902: .*'Newtonsoft\.Json' 12\.0\.1 has a known moderate severity vulnerability"), output);
    }

    static async Task<(int ExitCode, string Output)> RestoreAsync(string version, int severity)
    {
        using var advisories = new AdvisoryFeed(severity);
        var folder = Path.Combine(RepositoryRoot.Path, "artifacts", "tests", "nuget-audit", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "Audited.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <ItemGroup>
                    <PackageReference Include="Newtonsoft.Json" VersionOverride="{version}" />
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(folder, "NuGet.config"), $"""
                <configuration>
                  <auditSources>
                    <clear />
                    <add key="advisories" value="{advisories.ServiceIndex}" allowInsecureConnections="true" />
                  </auditSources>
                </configuration>
                """);
            return await Run.ProcessAsync("dotnet", ["restore", folder, "--force-evaluate", "--no-cache"], TimeSpan.FromMinutes(3));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>NuGet's VulnerabilityInfo resource on loopback: a service index, one page, one advisory.</summary>
    sealed class AdvisoryFeed : IDisposable
    {
        readonly HttpListener _listener = new();
        readonly string _root;

        public AdvisoryFeed(int severity)
        {
            _root = $"http://127.0.0.1:{WhoAmIProcess.FreePort()}/";

            var documents = new Dictionary<string, string>
            {
                ["v3/index.json"] = $$"""{"version":"3.0.0","resources":[{"@id":"{{_root}}vulnerabilities/index.json","@type":"VulnerabilityInfo/6.7.0"}]}""",
                ["vulnerabilities/index.json"] = $$"""[{"@name":"base","@id":"{{_root}}vulnerabilities/base.json","@updated":"2026-12-01T00:00:00Z"}]""",
                ["vulnerabilities/base.json"] = $$"""{"newtonsoft.json":[{"url":"{{Advisory}}","severity":{{severity}},"versions":"(, 13.0.1)"}]}""",
            };
            _listener.Prefixes.Add(_root);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }

                    var found = documents.TryGetValue(context.Request.Url!.AbsolutePath.TrimStart('/'), out var body);
                    context.Response.StatusCode = found ? 200 : 404;
                    context.Response.ContentType = "application/json";
                    var bytes = Encoding.UTF8.GetBytes(body ?? "");
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
            });
        }

        public string ServiceIndex => $"{_root}v3/index.json";

        public void Dispose() => _listener.Close();
    }
}
