using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Sluice.Core.Logging;

/// <summary>Log lines in sr3's layout to a stream such as standard error (<c>sluice foreground</c>).</summary>
internal sealed class TextWriterLoggerProvider(TextWriter writer, LogLevel level = LogLevel.Information) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(TextWriterLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.Level && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var name = logLevel switch
            {
                LogLevel.Trace or LogLevel.Debug => "DEBUG",
                LogLevel.Information => "INFO",
                LogLevel.Warning => "WARNING",
                LogLevel.Error => "ERROR",
                _ => "CRITICAL",
            };
            var line = $"{DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture)} [{name}] {formatter(state, exception)}";
            lock (provider._lock)
            {
                provider.Writer.WriteLine(line);
            }
        }
    }

    private TextWriter Writer => writer;

    private LogLevel Level => level;
}
