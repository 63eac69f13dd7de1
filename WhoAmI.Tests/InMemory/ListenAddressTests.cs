namespace WhoAmI.Tests.InMemory;

/// <summary>The README's precedence list, row by row: <c>--urls</c>, <c>--port</c>, <c>WHOAMI_PORT_NUMBER</c>,
/// <c>PORT</c>, <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, then port 8080 on all interfaces. Resolved by
/// <see cref="WhoAmISettings.Parse"/> from the same view of the environment as every other setting.</summary>
public sealed class ListenAddressTests
{
    static ListenAddress Resolve(string[] args, Dictionary<string, string>? environment = null) =>
        WhoAmISettings.Parse(args, name => environment?.GetValueOrDefault(name)).Listen;

    static readonly Dictionary<string, string> Everything = new()
    {
        ["WHOAMI_PORT_NUMBER"] = "9002",
        ["PORT"] = "9007",
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
    public void Platform_port_variable_wins_over_aspnetcore_settings_as_the_image_sets_them()
    {
        Assert.Equal(["http://+:9007"], Resolve([], new() { ["PORT"] = "9007", ["ASPNETCORE_URLS"] = "http://127.0.0.1:9003", ["ASPNETCORE_HTTP_PORTS"] = "8080" }).Urls);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("eighty")]
    [InlineData("70000")]
    public void A_bad_platform_port_is_refused_naming_the_variable(string value)
    {
        var error = Assert.Throws<SettingsException>(() => Resolve([], new() { ["PORT"] = value }));

        Assert.Equal($"PORT: '{value}' is not a port number from 1 to 65535", error.Message);
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

    [Fact]
    public void A_certificate_makes_every_port_from_any_source_speak_https()
    {
        Assert.Equal(["https://+:9004"], Resolve(["--cert", "server.pem"], new() { ["ASPNETCORE_HTTP_PORTS"] = "9004" }).Urls);
    }

    [Theory]
    [InlineData("ASPNETCORE_URLS", "localhost:9000", "ASPNETCORE_URLS: Invalid url: 'localhost:9000'")]
    [InlineData("ASPNETCORE_URLS", ";", "ASPNETCORE_URLS: ';' names no URL")]
    [InlineData("ASPNETCORE_HTTP_PORTS", "80a", "ASPNETCORE_HTTP_PORTS: '80a' is not a port number from 1 to 65535")]
    public void A_bad_aspnetcore_variable_that_would_be_used_is_refused_naming_it(string variable, string value, string reason)
    {
        var error = Assert.Throws<SettingsException>(() => Resolve([], new() { [variable] = value }));

        Assert.Equal(reason, error.Message);
    }

    [Fact]
    public void A_bad_aspnetcore_variable_that_a_flag_overrides_is_not_read()
    {
        Assert.Equal(["http://+:9005"], Resolve(["--port", "9005"], new() { ["ASPNETCORE_URLS"] = "localhost:9000" }).Urls);
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
