using System.Globalization;
using System.Net;

namespace WhoAmI.Settings;

/// <summary>
/// Where the service listens: Kestrel binds these URLs and <c>--probe</c> asks the first of them. First match wins:
/// <c>--urls</c>, <c>--port</c>, <c>WHOAMI_PORT_NUMBER</c>, <c>PORT</c> (what PaaS platforms set: above the ASP.NET Core
/// variables, which the image itself sets), <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, then
/// <see cref="DefaultPort"/> on all interfaces.
/// </summary>
internal sealed record ListenAddress(IReadOnlyList<string> Urls)
{
    /// <summary>WhoAmI.csproj's WhoAmIHttpPort and the Dockerfile's HTTP_PORT say the same; a test checks that they do.</summary>
    public const int DefaultPort = 8080;

    /// <summary>The first of the candidates, in the order of the rule above, that was given.</summary>
    /// <param name="https">A certificate was given: the port speaks HTTPS, wherever it came from (as in traefik/whoami).</param>
    /// <exception cref="FormatException">The chosen ASP.NET Core variable names no URL or no port.</exception>
    public static ListenAddress Resolve(string? urls, int? port, int? platformPort, string? aspNetCoreUrls, string? aspNetCoreHttpPorts, bool https)
    {
        var scheme = https ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
        return urls is not null ? new(SplitUrls(urls))
            : port is { } given ? OnPorts(scheme, [given])
            : platformPort is { } platform ? OnPorts(scheme, [platform])
            : aspNetCoreUrls is not null ? new(SplitUrls(aspNetCoreUrls))
            : aspNetCoreHttpPorts is not null ? OnPorts(scheme, [.. aspNetCoreHttpPorts.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParsePort)])
            : OnPorts(scheme, [DefaultPort]);
    }

    /// <summary>The URLs as ASP.NET Core's <c>urls</c> setting takes them.</summary>
    public string UrlsSetting => string.Join(';', Urls);

    /// <summary>Where a client on this machine reaches the first URL: a wildcard host becomes loopback.</summary>
    public (bool Https, IPEndPoint EndPoint) Local
    {
        get
        {
            var address = BindingAddress.Parse(Urls[0]);
            var host = address.Host.Trim('[', ']');
            var ip = host is "+" or "*" or "localhost" || !IPAddress.TryParse(host, out var parsed) ? IPAddress.Loopback
                : parsed.Equals(IPAddress.Any) ? IPAddress.Loopback
                : parsed.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
                : parsed;
            return (address.Scheme == Uri.UriSchemeHttps, new IPEndPoint(ip, address.Port));
        }
    }

    /// <summary>Throws <see cref="FormatException"/> with the reason when a URL is not one Kestrel can bind.</summary>
    public static string Validate(string urls)
    {
        SplitUrls(urls);
        return urls;
    }

    public static int ParsePort(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new FormatException($"'{value}' is not a port number from 1 to 65535");

    static ListenAddress OnPorts(string scheme, IEnumerable<int> ports) =>
        new([.. ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"{scheme}://+:{p}"))]);

    static string[] SplitUrls(string urls)
    {
        var split = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (split.Length == 0)
        {
            throw new FormatException($"'{urls}' names no URL");
        }

        foreach (var url in split)
        {
            BindingAddress.Parse(url);
        }

        return split;
    }
}
