using System.Net;

namespace WhoAmI;

/// <summary>
/// Where the service listens, worked out once: Kestrel binds these URLs and <c>--probe</c> asks the first of them.
/// First match wins: <c>--urls</c>, <c>--port</c>, <c>WHOAMI_PORT_NUMBER</c>, <c>ASPNETCORE_URLS</c>,
/// <c>ASPNETCORE_HTTP_PORTS</c> (the .NET base images set 8080), then port 8080 on all interfaces.
/// </summary>
public sealed record ListenAddress(IReadOnlyList<string> Urls)
{
    public static ListenAddress From(WhoAmISettings settings, Func<string, string?> environment)
    {
        if (settings.Urls is { } urls)
        {
            return new(SplitUrls(urls));
        }

        // With a certificate the port speaks HTTPS, wherever the port came from (traefik/whoami does the same).
        var scheme = settings.CertFile is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
        if (settings.Port is { } port)
        {
            return OnPorts(scheme, [port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (environment("ASPNETCORE_URLS") is { Length: > 0 } aspNetCoreUrls)
        {
            return new(SplitUrls(aspNetCoreUrls));
        }

        return environment("ASPNETCORE_HTTP_PORTS") is { Length: > 0 } ports
            ? OnPorts(scheme, ports.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            : OnPorts(scheme, [WhoAmISettings.DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
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
        foreach (var url in SplitUrls(urls))
        {
            BindingAddress.Parse(url);
        }

        return urls;
    }

    static ListenAddress OnPorts(string scheme, IEnumerable<string> ports) => new([.. ports.Select(p => $"{scheme}://+:{p}")]);

    static string[] SplitUrls(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } split
            ? split
            : throw new FormatException($"'{urls}' names no URL");
}
