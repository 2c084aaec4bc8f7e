using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Sluice.Core.Logging;

/// <summary>
/// Writes log lines to one file in sr3's layout (<c>2026-11-24 09:44:11,123 [INFO] message</c>), so operators'
/// greps keep working, and rotates it every <see cref="LogFileOptions.RotateInterval"/>, keeping
/// <see cref="LogFileOptions.RotateCount"/> old files (<c>name.log.1</c> is the newest).
/// </summary>
/// <remarks>Written by hand: Microsoft.Extensions.Logging has no file provider, and sr3's layout and rotation are part of the contract.</remarks>
public sealed class LogFileProvider : ILoggerProvider
{
    private readonly LogFileOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private StreamWriter _writer;
    private DateTimeOffset _nextRotation;

    public LogFileProvider(LogFileOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(options.Path))!);
        _writer = Open();
        _nextRotation = _time.GetUtcNow() + options.RotateInterval;
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this);

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }

    private StreamWriter Open() => new(new FileStream(_options.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false)) { AutoFlush = true };

    private void Write(LogLevel level, string message, Exception? exception)
    {
        var now = _time.GetLocalNow();
        var line = new StringBuilder(message.Length + 48)
            .Append(now.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture))
            .Append(" [").Append(LevelName(level)).Append("] ")
            .Append(message);
        if (exception is not null)
        {
            line.Append(" (").Append(exception.GetType().Name).Append(": ").Append(exception.Message).Append(')');
        }

        lock (_lock)
        {
            if (_time.GetUtcNow() >= _nextRotation)
            {
                Rotate();
            }

            _writer.WriteLine(line.ToString());
        }
    }

    private void Rotate()
    {
        _writer.Dispose();
        var path = _options.Path;
        File.Delete($"{path}.{_options.RotateCount}");
        for (var i = _options.RotateCount - 1; i >= 1; i--)
        {
            if (File.Exists($"{path}.{i}"))
            {
                File.Move($"{path}.{i}", $"{path}.{i + 1}", overwrite: true);
            }
        }

        if (_options.RotateCount > 0 && File.Exists(path))
        {
            File.Move(path, path + ".1", overwrite: true);
        }
        else
        {
            File.Delete(path);
        }

        _writer = Open();
        _nextRotation = _time.GetUtcNow() + _options.RotateInterval;
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => level.ToString().ToUpperInvariant(),
    };

    private sealed class FileLogger(LogFileProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._options.Level && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, formatter(state, exception), exception);
            }
        }
    }
}
