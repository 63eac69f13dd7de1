namespace WhoAmI.Chain;

/// <summary>
/// The URLs of <c>--backend</c> and <c>WHOAMI_BACKENDS</c>: absolute http or https, without credentials (the answer
/// shows each URL) or a fragment. A URL of a server alone (<c>http://b:8080</c>) gets <c>/chain</c>, so that the
/// chain goes on; one with a path or a query is called as it is, the end of a chain that is not WhoAmI
/// (traefik/whoami's <c>/api</c>) or a slow one on purpose (<c>/api?wait=5s</c>).
/// </summary>
internal static class BackendUrls
{
    /// <summary>One URL, or several separated by commas (the environment variable's form).</summary>
    public static IEnumerable<Uri> Parse(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseOne).ToArray();

    static Uri ParseOne(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || url.IsFile || url.Host.Length == 0)
        {
            throw new FormatException($"'{text}' is not an http:// or https:// URL");
        }

        if (url.UserInfo.Length > 0 || url.Fragment.Length > 0)
        {
            // The URL is not repeated: it would print the password.
            throw new FormatException($"a URL with user:password@ or a #fragment is refused ({url.Scheme}://{url.Host}:{url.Port}): the /chain answer shows every URL");
        }

        return url.AbsolutePath == "/" && url.Query.Length == 0 ? new Uri(url, "/chain") : url;
    }
}
