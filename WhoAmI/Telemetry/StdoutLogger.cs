using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace WhoAmI.Telemetry;

/// <summary>How each log line is written: the console logger's single-line text, or one JSON object.</summary>
internal enum LogFormat
{
    Text,
    Json,
}

/// <summary>
/// The few lines this service logs (the lifetime messages, <c>--verbose</c> access lines, Kestrel's warnings),
/// written straight to stdout, one per line: in the console logger's single-line form, <c>info: Category[Id] message</c>,
/// or with <c>--log-format json</c> as one JSON object (<c>timestamp</c>, <c>level</c>, <c>category</c>,
/// <c>message</c>, and each value of the message's template under its own name).
/// In place of AddSimpleConsole (a queue thread, options, formatters): 124,640 bytes less binary and about 1.1 MB
/// less idle RSS, measured with bench/run.sh --processes-only (docs/tuning.md).
/// </summary>
internal sealed class StdoutLoggerProvider(LogFormat format) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new StdoutLogger(categoryName, format);

    public void Dispose()
    {
    }

    sealed class StdoutLogger(string category, LogFormat format) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Information and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var level = logLevel switch
            {
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                _ => "crit",
            };
            var message = formatter(state, exception);
            Console.Out.WriteLine(format == LogFormat.Json
                ? Json(level, message, state as IReadOnlyList<KeyValuePair<string, object?>>, exception)
                : exception is null
                    ? $"{level}: {category}[{eventId.Id}] {message}"
                    : $"{level}: {category}[{eventId.Id}] {message} {exception.GetType().Name}: {exception.Message}");
        }

        string Json(string level, string message, IReadOnlyList<KeyValuePair<string, object?>>? values, Exception? exception)
        {
            using var buffer = new MemoryStream(256);
            // Relaxed escaping: a log line is read by people and log shippers, not embedded in HTML ("Ctrl+C", not "Ctrl\u002BC").
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteStartObject();
                json.WriteString("timestamp", DateTimeOffset.UtcNow);
                json.WriteString("level", level);
                json.WriteString("category", category);
                json.WriteString("message", message);
                foreach (var (name, value) in values ?? [])
                {
                    if (name == "{OriginalFormat}")
                    {
                        continue;
                    }

                    switch (value)
                    {
                        case null:
                            json.WriteNull(name);
                            break;
                        case int number:
                            json.WriteNumber(name, number);
                            break;
                        case double number:
                            json.WriteNumber(name, Math.Round(number, 3));
                            break;
                        default:
                            json.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                            break;
                    }
                }

                if (exception is not null)
                {
                    json.WriteString("exception", $"{exception.GetType().Name}: {exception.Message}");
                }

                json.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
    }
}
