using System.Globalization;

namespace Sluice.Cli.Progress;

/// <summary>
/// What a progress display shows: files and bytes done, the rate over the last <see cref="Window"/>, and, when the
/// totals are known, the time left at that rate.
/// </summary>
internal sealed class ProgressModel(TimeProvider time, long? totalFiles = null, long? totalBytes = null)
{
    /// <summary>The rate is measured over this much recent time, so it follows changes of pace.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Queue<(DateTimeOffset At, long Files, long Bytes)> _samples = new();

    public long Files { get; private set; }

    public long Bytes { get; private set; }

    public long? TotalFiles => totalFiles;

    public long? TotalBytes => totalBytes;

    public double FilesPerSecond { get; private set; }

    public double BytesPerSecond { get; private set; }

    /// <summary>The time left at the current rate; null when no total is known or nothing moved yet.</summary>
    public TimeSpan? Eta { get; private set; }

    /// <summary>Takes the counters as they are now.</summary>
    public void Update(long files, long bytes)
    {
        var now = time.GetUtcNow();
        Files = files;
        Bytes = bytes;
        _samples.Enqueue((now, files, bytes));
        while (_samples.Count > 2 && now - _samples.Peek().At > Window)
        {
            _samples.Dequeue();
        }

        var (at, firstFiles, firstBytes) = _samples.Peek();
        var seconds = (now - at).TotalSeconds;
        if (seconds > 0)
        {
            FilesPerSecond = (files - firstFiles) / seconds;
            BytesPerSecond = (bytes - firstBytes) / seconds;
        }

        Eta = totalBytes is > 0 && BytesPerSecond > 0 ? Left(totalBytes.Value - bytes, BytesPerSecond)
            : totalFiles is > 0 && FilesPerSecond > 0 ? Left(totalFiles.Value - files, FilesPerSecond)
            : null;
    }

    /// <summary>One line: <c>label: 120/400 files, 12.3/40.0 MiB, 3.2 MiB/s, 41 files/s, ETA 0:09</c>.</summary>
    public string Describe(string label)
    {
        var c = CultureInfo.InvariantCulture;
        var files = totalFiles is { } tf ? $"{Files}/{tf} files" : $"{Files} files";
        var bytes = totalBytes is { } tb ? $"{Mib(Bytes)}/{Mib(tb)} MiB" : $"{Mib(Bytes)} MiB";
        var line = string.Create(c, $"{label}: {files}, {bytes}, {Mib((long)BytesPerSecond)} MiB/s, {FilesPerSecond:F0} files/s");
        return Eta is { } eta ? line + ", ETA " + Clock(eta) : line;
    }

    private static TimeSpan Left(long remaining, double perSecond) => TimeSpan.FromSeconds(Math.Max(0, remaining) / perSecond);

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("F1", CultureInfo.InvariantCulture);

    private static string Clock(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:D2}");
}
