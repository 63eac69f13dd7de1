namespace WhoAmI.Server;

/// <summary>
/// The few lines this service logs (the lifetime messages, <c>--verbose</c> access lines, Kestrel's warnings),
/// written straight to stdout in the console logger's single-line form: <c>info: Category[Id] message</c>.
/// In place of AddSimpleConsole (a queue thread, options, formatters): 124,640 bytes less binary and about 1.1 MB
/// less idle RSS, measured with bench/run.sh --processes-only (docs/tuning.md).
/// </summary>
internal sealed class StdoutLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new StdoutLogger(categoryName);

    public void Dispose()
    {
    }

    sealed class StdoutLogger(string category) : ILogger
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
            Console.Out.WriteLine(exception is null
                ? $"{level}: {category}[{eventId.Id}] {message}"
                : $"{level}: {category}[{eventId.Id}] {message} {exception.GetType().Name}: {exception.Message}");
        }
    }
}
