using System.Text;
using Sluice.Core.Flows;

namespace Sluice.Cli.Progress;

/// <summary>
/// A live progress line on standard error when it is a terminal (redrawn in place, kept below the log lines);
/// nothing at all otherwise, so logs stay grep-able. <see cref="Start"/> returns null when there is no terminal.
/// </summary>
internal sealed class ProgressDisplay : IAsyncDisposable
{
    private const string ClearLine = "\r\u001b[2K";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly TextWriter _terminal;
    private readonly string _label;
    private readonly ProgressModel _model;
    private readonly Func<(long Files, long Bytes)> _sample;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private string _line = string.Empty;

    private ProgressDisplay(TextWriter terminal, string label, ProgressModel model, Func<(long, long)> sample, TimeProvider time)
    {
        _terminal = terminal;
        _label = label;
        _model = model;
        _sample = sample;
        _time = time;
        Log = new LogWriter(this);
        _loop = Task.Run(() => RedrawLoopAsync(_stop.Token));
    }

    /// <summary>Where log lines go while the display is up: each is written above the progress line.</summary>
    public TextWriter Log { get; }

    /// <summary>True when <paramref name="context"/>'s standard error is this process's, and a terminal.</summary>
    public static bool IsTerminal(CliContext context) =>
        ReferenceEquals(context.Error, Console.Error) && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>Starts the display on standard error, or returns null when that is not a terminal.</summary>
    public static ProgressDisplay? Start(CliContext context, string label, Func<(long Files, long Bytes)> sample, long? totalFiles = null, long? totalBytes = null, TimeProvider? time = null) =>
        IsTerminal(context) ? Create(context.Error, label, sample, totalFiles, totalBytes, time) : null;

    /// <summary>A display on any writer (what <see cref="Start"/> uses once it knows it has a terminal).</summary>
    public static ProgressDisplay Create(TextWriter terminal, string label, Func<(long Files, long Bytes)> sample, long? totalFiles = null, long? totalBytes = null, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        var model = new ProgressModel(clock, totalFiles, totalBytes);
        model.Update(0, 0);
        return new ProgressDisplay(terminal, label, model, sample, clock);
    }

    /// <summary>A flow callback that counts the files a flow posted and their bytes, for displays of a post.</summary>
    public static PostedCounter CountPosted() => new();

    /// <summary>Files and bytes of what a flow posted.</summary>
    public static (long Files, long Bytes) Done(FlowMetrics metrics) => (Math.Max(metrics.WorkOk, metrics.Posted), metrics.Bytes);

    /// <summary>The number of files and bytes under <paramref name="paths"/> (files or trees).</summary>
    public static (long Files, long Bytes) Measure(IEnumerable<string> paths)
    {
        long files = 0, bytes = 0;
        foreach (var path in paths)
        {
            var entries = File.Exists(path) ? [new FileInfo(path)] : new DirectoryInfo(path).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true });
            foreach (var file in entries)
            {
                files++;
                bytes += file.Length;
            }
        }

        return (files, bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Redraw();
        lock (_lock)
        {
            _terminal.WriteLine();
            _terminal.Flush();
        }

        _stop.Dispose();
        await Log.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RedrawLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Redraw();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Redraw()
    {
        var (files, bytes) = _sample();
        lock (_lock)
        {
            _model.Update(files, bytes);
            _line = _model.Describe(_label);
            _terminal.Write(ClearLine + _line);
            _terminal.Flush();
        }
    }

    private void WriteAbove(string text)
    {
        lock (_lock)
        {
            _terminal.Write(ClearLine);
            _terminal.Write(text);
            _terminal.Write(_line);
            _terminal.Flush();
        }
    }

    /// <summary>Collects log text and writes each finished line above the progress line.</summary>
    private sealed class LogWriter(ProgressDisplay display) : TextWriter
    {
        private readonly StringBuilder _pending = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            string? line = null;
            lock (_pending)
            {
                _pending.Append(value);
                if (value == '\n')
                {
                    line = _pending.ToString();
                    _pending.Clear();
                }
            }

            if (line is not null)
            {
                display.WriteAbove(line);
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? string.Empty)
            {
                Write(c);
            }
        }
    }

    /// <summary>Counts what a flow posted (after_post), for <see cref="Start"/>'s sample.</summary>
    internal sealed class PostedCounter : IFlowCallback
    {
        private long _files;
        private long _bytes;

        public string Name => "progress";

        public (long Files, long Bytes) Done => (Interlocked.Read(ref _files), Interlocked.Read(ref _bytes));

        public ValueTask AfterPostAsync(Worklist worklist, CancellationToken cancellationToken)
        {
            // Files, not messages: no directory or link operations, and one count per partitioned file (its first block).
            var data = worklist.Ok.Where(i => i.Message.FileOp is null).ToList();
            Interlocked.Add(ref _files, data.Count(i => i.Message.Blocks is not { Number: > 0 }));
            Interlocked.Add(ref _bytes, data.Sum(i => i.Message.Size ?? 0));
            return ValueTask.CompletedTask;
        }
    }
}
