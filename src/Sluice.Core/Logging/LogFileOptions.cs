using Microsoft.Extensions.Logging;

namespace Sluice.Core.Logging;

/// <summary>Where and how a flow instance logs: sr3's <c>logLevel</c>, <c>logRotateCount</c>, <c>logRotateInterval</c>.</summary>
public sealed record LogFileOptions
{
    /// <summary>The log file, e.g. <c>~/.cache/sluice/log/subscribe_myflow_01.log</c>.</summary>
    public required string Path { get; init; }

    public LogLevel Level { get; init; } = LogLevel.Information;

    /// <summary>How many rotated files are kept (<c>logRotateCount</c>).</summary>
    public int RotateCount { get; init; } = 5;

    /// <summary>How often the file is rotated (<c>logRotateInterval</c>).</summary>
    public TimeSpan RotateInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The file name of a flow instance's log, as sr3 names it: <c>&lt;component&gt;_&lt;config&gt;_NN.log</c>.</summary>
    public static string FileName(string component, string config, int instance) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{component}_{config}_{instance:D2}.log");
}
