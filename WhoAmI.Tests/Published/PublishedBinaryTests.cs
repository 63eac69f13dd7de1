namespace WhoAmI.Tests.Published;

/// <summary>The Native AOT binary itself, as a process on loopback: the artifact, not the JIT build.</summary>
[Collection(PublishedCollection.Name)]
public sealed class PublishedBinaryTests(PublishedWhoAmI published)
{

    [Fact]
    public void Publish_makes_one_native_binary_with_no_warnings_and_no_managed_entry_assembly()
    {
        published.SkipUnlessNativeAot();
        Assert.DoesNotContain("warning", published.PublishOutput, StringComparison.OrdinalIgnoreCase);
        Assert.True(File.Exists(published.BinaryPath));
        Assert.False(File.Exists(Path.Combine(published.Directory, "WhoAmI.dll")));
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(published.BinaryPath)[..4]);
    }

    /// <summary>Workstation GC, as WhoAmI.csproj asks. The Web SDK's default is Server GC, a heap and a thread per core,
    /// and a misspelt property once left it on unnoticed (docs/tuning.md); Server GC names its threads.</summary>
    [Fact]
    public async Task The_binary_runs_workstation_gc_not_the_web_sdks_server_gc()
    {
        published.SkipUnlessNativeAot();
        await using var app = await published.StartAsync();
        await app.Client.GetStringAsync("/whoami", Cancel);

        var threads = System.IO.Directory.GetDirectories($"/proc/{app.Pid}/task")
            .Select(task => File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n')).ToList();

        Assert.Contains(".NET Finalizer", threads);
        Assert.DoesNotContain(".NET Server GC", threads);
    }

    [Fact]
    public async Task Whoami_answers_the_kernel_host_name()
    {
        await using var app = await published.StartAsync();

        var response = await app.Client.GetAsync("/whoami", Cancel);

        Assert.Equal(ProcHostName.Read(), await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task Whoami_answers_a_dotted_host_name_whole_in_its_own_uts_namespace()
    {
        Assert.SkipUnless(Environment.UserName == "root" && File.Exists("/usr/bin/unshare"),
            "needs root and util-linux unshare to give the binary a host name of its own");
        await using var app = await published.StartAsync(
            wrapper: ["/usr/bin/unshare", "--uts", "--", "/bin/sh", "-c", "hostname web-1.example.internal && exec \"$0\" \"$@\""]);

        Assert.Equal("web-1.example.internal", await app.Client.GetStringAsync("/whoami", Cancel));
    }

    [Fact]
    public async Task Head_wrong_methods_and_unknown_paths_get_their_answers_and_the_server_keeps_serving()
    {
        await using var app = await published.StartAsync();
        var expected = await app.Client.GetStringAsync("/whoami", Cancel);

        var head = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/whoami"), Cancel);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(expected.Length, head.Content.Headers.ContentLength);

        var post = await app.Client.PostAsync("/whoami", null, Cancel);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(["GET", "HEAD"], post.Content.Headers.Allow.Order());

        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/nope", Cancel)).StatusCode);
        Assert.Equal(expected, await app.Client.GetStringAsync("/whoami", Cancel));
    }

    [Fact]
    public async Task Sigterm_lets_a_request_in_flight_complete_and_exits_with_code_0()
    {
        await using var app = await published.StartAsync();

        var inFlight = app.Client.GetAsync("/api?wait=3s", Cancel);
        await Task.Delay(500, Cancel);
        var exitCode = await app.SignalAndWaitAsync();

        Assert.Equal(HttpStatusCode.OK, (await inFlight).StatusCode);
        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", app.Output);
    }

    [Fact]
    public async Task Ctrl_c_stops_the_server_with_code_0()
    {
        await using var app = await published.StartAsync();

        Assert.Equal(0, await app.SignalAndWaitAsync(WhoAmIProcess.Signals.Int));
    }

    [Fact]
    public async Task Start_up_prints_the_lifetime_messages_a_person_expects()
    {
        await using var app = await published.StartAsync();

        Assert.Contains($"Now listening on: http://[::]:{app.BaseAddress.Port}", await app.WaitForOutputAsync("Now listening on"));
        Assert.Contains("Application started", await app.WaitForOutputAsync("Application started"));
        // h2c is served beside HTTP/1.1 (Http2PriorKnowledge), so Kestrel's "will use HTTP/1.1" warning would mislead.
        Assert.DoesNotContain("HTTP/2 is not enabled", app.Output);
    }

    [Fact]
    public async Task With_no_settings_it_listens_on_port_8080_on_all_interfaces()
    {
        Assert.SkipWhen(WhoAmIProcess.IsListening(8080), "something else already listens on port 8080");
        await using var app = await published.StartAsync(port: 8080);

        Assert.Contains("Now listening on: http://[::]:8080", await app.WaitForOutputAsync("Now listening on"));
    }

    [Theory]
    [InlineData("ASPNETCORE_HTTP_PORTS", "{0}")]
    [InlineData("ASPNETCORE_URLS", "http://127.0.0.1:{0}")]
    [InlineData("WHOAMI_PORT_NUMBER", "{0}")]
    [InlineData("PORT", "{0}")]
    public async Task Standard_and_own_port_settings_in_the_environment_are_honoured(string variable, string format)
    {
        var port = WhoAmIProcess.FreePort();
        await using var app = await published.StartAsync(port: port,
            environment: new Dictionary<string, string> { [variable] = string.Format(format, port) });

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/whoami", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Port_flag_wins_over_aspnetcore_http_ports()
    {
        var port = WhoAmIProcess.FreePort();
        var other = WhoAmIProcess.FreePort();
        await using var app = await published.StartAsync(port: port, args: ["--port", port.ToString()],
            environment: new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = other.ToString() });

        Assert.False(WhoAmIProcess.IsListening(other));
    }

    [Theory]
    [InlineData("--nope")]
    [InlineData("--port", "http")]
    [InlineData("--verbose=maybe")]
    public async Task A_bad_flag_prints_one_line_and_exits_with_code_2_before_listening(params string[] args)
    {
        var (exitCode, output) = await Run.ProcessAsync(published.BinaryPath, args, TimeSpan.FromSeconds(20));

        Assert.Equal(2, exitCode);
        Assert.Single(output.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("WhoAmI: ", output);
        Assert.DoesNotContain("Now listening", output);
    }

    [Fact]
    public async Task Help_lists_the_flags_and_exits_with_code_0()
    {
        var (exitCode, output) = await Run.ProcessAsync(published.BinaryPath, ["--help"], TimeSpan.FromSeconds(20));

        Assert.Equal(0, exitCode);
        Assert.Contains("--port", output);
        Assert.Contains("WHOAMI_PORT_NUMBER", output);
    }
}
