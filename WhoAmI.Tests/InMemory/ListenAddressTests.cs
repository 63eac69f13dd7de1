namespace WhoAmI.Tests.InMemory;

/// <summary>The README's precedence list, row by row: <c>--urls</c>, <c>--port</c>, <c>WHOAMI_PORT_NUMBER</c>,
/// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, then port 8080 on all interfaces.</summary>
public sealed class ListenAddressTests
{
    static ListenAddress Resolve(string[] args, Dictionary<string, string>? environment = null) =>
        ListenAddress.From(WhoAmISettings.Parse(args, name => environment?.GetValueOrDefault(name)), name => environment?.GetValueOrDefault(name));

    static readonly Dictionary<string, string> Everything = new()
    {
        ["WHOAMI_PORT_NUMBER"] = "9002",
        ["ASPNETCORE_URLS"] = "http://127.0.0.1:9003",
        ["ASPNETCORE_HTTP_PORTS"] = "9004",
    };

    [Fact]
    public void Nothing_given_listens_on_8080_on_all_interfaces()
    {
        Assert.Equal(["http://+:8080"], Resolve([]).Urls);
    }

    [Fact]
    public void Urls_flag_wins_over_everything()
    {
        Assert.Equal(["http://127.0.0.1:9000", "http://[::1]:9001"], Resolve(["--port", "9005", "--urls", "http://127.0.0.1:9000;http://[::1]:9001"], Everything).Urls);
    }

    [Fact]
    public void Port_flag_wins_over_the_environment()
    {
        Assert.Equal(["http://+:9005"], Resolve(["--port", "9005"], Everything).Urls);
    }

    [Fact]
    public void Whoami_port_variable_wins_over_aspnetcore_settings()
    {
        Assert.Equal(["http://+:9002"], Resolve([], Everything).Urls);
    }

    [Fact]
    public void Aspnetcore_urls_wins_over_aspnetcore_http_ports()
    {
        Assert.Equal(["http://127.0.0.1:9003"], Resolve([], new() { ["ASPNETCORE_URLS"] = "http://127.0.0.1:9003", ["ASPNETCORE_HTTP_PORTS"] = "9004" }).Urls);
    }

    [Fact]
    public void Aspnetcore_http_ports_may_name_several_ports()
    {
        Assert.Equal(["http://+:9004", "http://+:9006"], Resolve([], new() { ["ASPNETCORE_HTTP_PORTS"] = "9004;9006" }).Urls);
    }

    [Theory]
    [InlineData("http://+:9000", "127.0.0.1:9000")]
    [InlineData("http://*:9000", "127.0.0.1:9000")]
    [InlineData("http://0.0.0.0:9000", "127.0.0.1:9000")]
    [InlineData("http://[::]:9000", "[::1]:9000")]
    [InlineData("http://localhost:9000", "127.0.0.1:9000")]
    [InlineData("http://10.1.2.3:9000", "10.1.2.3:9000")]
    public void A_local_client_reaches_a_wildcard_address_on_loopback(string url, string endPoint)
    {
        Assert.Equal(endPoint, Resolve(["--urls", url]).Local.EndPoint.ToString());
    }
}
