using System.Globalization;

namespace WhoAmI.Endpoints;

/// <summary>
/// <c>status=CODE</c> and <c>header=Name:Value</c> (repeatable) on <c>/</c> and <c>/api</c>, beside <c>wait=</c>: the
/// client chooses how this replica answers, so one backend can play a failing, redirecting or slow service while a
/// proxy's retries, circuit breakers and caches are tested. Query parameters on the existing pages rather than
/// httpbin's or podinfo's <c>/status/{code}</c>: the answer still says which replica gave it, which is what a whoami
/// server is for. Bounded: codes 200–599 (a 1xx is not a final answer), token names, printable values, no header the
/// server frames the answer with or a hop-by-hop one.
/// </summary>
internal sealed record ResponseControl(int? Status, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public const int MaxHeaders = 16;
    const int MaxValueLength = 1024;

    static readonly ResponseControl None = new(null, []);

    /// <summary>Headers a request may not set: the answer's framing, its type, and hop-by-hop headers.</summary>
    static readonly HashSet<string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "TE", "Trailer",
        "Content-Length", "Content-Type", "Content-Encoding",
    };

    /// <summary>False for the codes whose answer has no body (204, 304).</summary>
    public bool AllowsBody => Status is not (StatusCodes.Status204NoContent or StatusCodes.Status304NotModified);

    /// <summary>The control the query asks for, or a one-line reason why it cannot be had.</summary>
    public static ResponseControl? Parse(IQueryCollection query, out string? error)
    {
        error = null;
        var hasStatus = query.TryGetValue("status", out var statuses);
        var hasHeaders = query.TryGetValue("header", out var headers);
        if (!hasStatus && !hasHeaders)
        {
            return None;
        }

        int? status = null;
        if (hasStatus)
        {
            if (statuses.Count != 1 || !int.TryParse(statuses[0], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 200 or > 599)
            {
                error = $"status: '{statuses}' is not a status code from 200 to 599";
                return null;
            }

            status = code;
        }

        if (headers.Count > MaxHeaders)
        {
            error = $"header: {headers.Count} given, at most {MaxHeaders}";
            return null;
        }

        var set = new List<KeyValuePair<string, string>>(headers.Count);
        foreach (var header in headers)
        {
            var colon = header?.IndexOf(':') ?? -1;
            var name = colon > 0 ? header![..colon] : "";
            var value = colon > 0 ? header![(colon + 1)..].Trim(' ', '\t') : "";
            if (name.Length == 0 || !name.All(IsTokenChar) || value.Length > MaxValueLength || !value.All(IsPrintable))
            {
                error = $"header: '{header}' is not Name:Value with a token name and a printable value of at most {MaxValueLength} characters";
                return null;
            }

            if (Refused.Contains(name))
            {
                error = $"header: {name} frames or types the answer, or is hop-by-hop: the server sets it";
                return null;
            }

            set.Add(new(name, value));
        }

        return new(status, set);
    }

    /// <summary>Sets the chosen status and headers; called when the endpoint has set its own.</summary>
    public void Apply(HttpResponse response)
    {
        if (Status is { } status)
        {
            response.StatusCode = status;
        }

        foreach (var (name, value) in Headers)
        {
            response.Headers.Append(name, value);
        }
    }

    // RFC 9110 §5.6.2: tchar.
    static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    // Visible ASCII, space and tab: no CR or LF to start another header, nothing a proxy might read otherwise.
    static bool IsPrintable(char c) => c is '\t' or (>= ' ' and <= '~');
}
