using System.Text;

namespace WhoAmI.Endpoints;

/// <summary>Writes a text/plain answer with its length, and no body for HEAD.</summary>
internal static class PlainText
{
    public const string ContentType = "text/plain; charset=utf-8";

    public static Task WriteAsync(HttpContext context, string text, int statusCode = StatusCodes.Status200OK) =>
        WriteAsync(context, Encoding.UTF8.GetBytes(text), statusCode);

    /// <summary>The same for a body already encoded, such as a constant.</summary>
    public static Task WriteAsync(HttpContext context, ReadOnlyMemory<byte> body, int statusCode = StatusCodes.Status200OK)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>A 400 with a one-line reason. A value quoted in it may hold any character a request can carry: control
    /// characters are written as escapes (<c>\r</c>, <c>\n</c>, <c>\u0000</c>), so the reason stays one line whatever was sent.</summary>
    public static Task BadRequestAsync(HttpContext context, string reason) =>
        WriteAsync(context, OneLine(reason) + "\n", StatusCodes.Status400BadRequest);

    internal static string OneLine(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var line = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            line.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return line.ToString();
    }
}
