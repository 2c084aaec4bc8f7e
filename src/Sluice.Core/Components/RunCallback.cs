using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Logging;
using Sluice.Core.Transfers;

namespace Sluice.Core.Components;

/// <summary>
/// sr3's <c>callback run</c>: runs external commands at flow points. <c>run_start</c>, <c>run_stop</c>,
/// <c>run_housekeeping</c>, <c>run_accept</c>, <c>run_work</c> and <c>run_post</c> run once per event;
/// <c>run_accept_item</c> and <c>run_work_item</c> run once per message (the trigger after each file arrives), with the
/// file's path as last argument and in <c>SLUICE_FILE</c>, and the message's fields in <c>SLUICE_MSG_&lt;field&gt;</c>
/// (<c>SLUICE_MESSAGE</c> holds the whole v03 message). <c>run_scan_item</c> is the post-validation scan: it runs on each
/// file received, before it is announced; a non-zero exit (or a scan over <c>run_timeout</c>) moves the file into the
/// quarantine directory (<c>run_quarantine</c>, by default <c>quarantine/</c> in the flow's state directory), and the
/// message is rejected and reported 422 instead of posted. What a command writes goes to the flow's log.
/// </summary>
internal sealed partial class RunCallback : IFlowCallback
{
    /// <summary>Lines of a command's output kept in the log, per stream.</summary>
    private const int OutputLinesMax = 200;

    private readonly RunOptions _options;
    private ILogger _logger = NullLogger.Instance;
    private TimeProvider _time = TimeProvider.System;

    public RunCallback(RunOptions options) => _options = options;

    public string Name => "run";

    /// <summary>The callback configured by a flow's <c>run_*</c> options.</summary>
    /// <exception cref="ConfigException">No <c>run_*</c> command is given, or a command is empty.</exception>
    public static RunCallback Create(CallbackContext? context)
    {
        if (context is null)
        {
            throw new ConfigException([new ConfigDiagnostic("(command line)", 0, true, "callback run needs a configuration with run_* commands")]);
        }

        var config = context.Config;
        string[]? Command(string name) => config.String(name) is { } text ? SplitCommand(text) : null;
        var options = new RunOptions
        {
            Flow = config.FullName,
            Start = Command("run_start"),
            Stop = Command("run_stop"),
            Housekeeping = Command("run_housekeeping"),
            Accept = Command("run_accept"),
            AcceptItem = Command("run_accept_item"),
            Work = Command("run_work"),
            WorkItem = Command("run_work_item"),
            Post = Command("run_post"),
            ScanItem = Command("run_scan_item"),
            Quarantine = config.String("run_quarantine") ?? Path.Combine(context.StateDirectory, "quarantine"),
            Timeout = config.Duration("run_timeout"),
        };
        var given = new[] { options.Start, options.Stop, options.Housekeeping, options.Accept, options.AcceptItem, options.Work, options.WorkItem, options.Post, options.ScanItem };
        if (given.All(c => c is null))
        {
            throw new ConfigException([new ConfigDiagnostic(config.File, 0, true, "callback run: no command given (run_work_item, run_scan_item, run_start, ...)")]);
        }

        if (given.Any(c => c is { Length: 0 }))
        {
            throw new ConfigException([new ConfigDiagnostic(config.File, 0, true, "callback run: a run_* option has an empty command")]);
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ConfigException([new ConfigDiagnostic(config.File, 0, true, "callback run: run_timeout must be more than 0")]);
        }

        return new RunCallback(options);
    }

    public void Attach(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    public async ValueTask OnStartAsync(CancellationToken cancellationToken) => await RunOnceAsync(_options.Start, "on_start", cancellationToken).ConfigureAwait(false);

    public async ValueTask OnStopAsync(CancellationToken cancellationToken) => await RunOnceAsync(_options.Stop, "on_stop", cancellationToken).ConfigureAwait(false);

    public async ValueTask OnHousekeepingAsync(CancellationToken cancellationToken) => await RunOnceAsync(_options.Housekeeping, "on_housekeeping", cancellationToken).ConfigureAwait(false);

    public async ValueTask AfterAcceptAsync(Worklist worklist, CancellationToken cancellationToken)
    {
        await RunOnceAsync(_options.Accept, "after_accept", cancellationToken).ConfigureAwait(false);
        if (_options.AcceptItem is { } command)
        {
            foreach (var item in worklist.Incoming)
            {
                await RunItemAsync(command, "after_accept", item, item.LocalPath ?? item.Message.RelPath, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask AfterWorkAsync(Worklist worklist, CancellationToken cancellationToken)
    {
        if (_options.ScanItem is { } scan)
        {
            foreach (var item in worklist.Ok.ToList())
            {
                if (item.LocalPath is not { } path || !File.Exists(path))
                {
                    continue; // nothing received to scan (a fileOp, a shovelled message)
                }

                var result = await RunItemAsync(scan, "after_work", item, path, cancellationToken).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    continue;
                }

                var why = result.TimedOut ? $"scan timed out after {_options.Timeout.TotalSeconds:F0}s" : result.Exit is { } exit ? $"scan exited {exit}" : "scan could not run";
                var moved = Quarantine(item, path);
                RunLog.Quarantined(_logger, path, why, moved);
                worklist.Ok.Remove(item);
                Worklist.Reject(item, ReportCodes.Quarantined, $"quarantined ({why}): {moved}");
                item.LocalPath = moved;
                worklist.Rejected.Add(item);
            }
        }

        if (_options.WorkItem is { } command)
        {
            foreach (var item in worklist.Ok)
            {
                if (item.LocalPath is { } path)
                {
                    await RunItemAsync(command, "after_work", item, path, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await RunOnceAsync(_options.Work, "after_work", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask AfterPostAsync(Worklist worklist, CancellationToken cancellationToken) => await RunOnceAsync(_options.Post, "after_post", cancellationToken).ConfigureAwait(false);

    /// <summary>sr3 splits a command on blanks; double or single quotes keep blanks inside an argument.</summary>
    internal static string[] SplitCommand(string text)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var any = false;
        char? quote = null;
        foreach (var c in text)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                any = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (any)
                {
                    parts.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            parts.Add(current.ToString());
        }

        return [.. parts];
    }

    /// <summary>Moves a file that failed its scan out of the tree; returns where it went.</summary>
    private string Quarantine(FlowMessage item, string path)
    {
        string destination;
        try
        {
            destination = PathSafety.Resolve(_options.Quarantine, item.Message.RelPath);
        }
        catch (UnsafePathException)
        {
            destination = Path.Combine(_options.Quarantine, Path.GetFileName(path));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        File.Move(path, destination, overwrite: true);
        return destination;
    }

    private async Task RunOnceAsync(string[]? command, string entryPoint, CancellationToken cancellationToken)
    {
        if (command is not null)
        {
            await RunAsync(command, entryPoint, null, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<RunResult> RunItemAsync(string[] command, string entryPoint, FlowMessage item, string path, CancellationToken cancellationToken) =>
        RunAsync(command, entryPoint, item, path, cancellationToken);

    private async Task<RunResult> RunAsync(string[] command, string entryPoint, FlowMessage? item, string? path, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["SLUICE_FLOW"] = _options.Flow;
        info.Environment["SLUICE_EVENT"] = entryPoint;
        if (path is not null)
        {
            info.ArgumentList.Add(path);
            info.Environment["SLUICE_FILE"] = path;
        }

        if (item is not null)
        {
            AddMessage(info.Environment, item);
        }

        var shown = string.Join(' ', info.ArgumentList.Prepend(command[0]));
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("no process started");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            RunLog.CouldNotRun(_logger, entryPoint, shown, ex.Message);
            return new RunResult(null, false);
        }

        using (process)
        {
            process.StandardInput.Close();
            var output = LogLinesAsync(process.StandardOutput, shown, error: false);
            var errors = LogLinesAsync(process.StandardError, shown, error: true);
            using var timeout = new CancellationTokenSource(_options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            var timedOut = false;
            try
            {
                await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                timedOut = !cancellationToken.IsCancellationRequested;
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It ended meanwhile.
                }

                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await Task.WhenAll(output, errors).ConfigureAwait(false);
            if (timedOut)
            {
                RunLog.TimedOut(_logger, entryPoint, shown, _options.Timeout.TotalSeconds);
                return new RunResult(null, true);
            }

            if (process.ExitCode == 0)
            {
                RunLog.Ran(_logger, entryPoint, shown);
            }
            else
            {
                RunLog.Failed(_logger, entryPoint, shown, process.ExitCode);
            }

            return new RunResult(process.ExitCode, false);
        }
    }

    private static void AddMessage(IDictionary<string, string?> environment, FlowMessage item)
    {
        var body = V03Format.EncodeBody(item.Message);
        environment["SLUICE_MESSAGE"] = Encoding.UTF8.GetString(body);
        using var json = JsonDocument.Parse(body);
        foreach (var field in json.RootElement.EnumerateObject())
        {
            environment["SLUICE_MSG_" + field.Name] = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString() : field.Value.GetRawText();
        }
    }

    private async Task LogLinesAsync(StreamReader reader, string command, bool error)
    {
        var lines = 0;
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (++lines > OutputLinesMax)
            {
                continue; // keep reading so the command is not blocked on a full pipe
            }

            if (error)
            {
                RunLog.ErrorLine(_logger, command, line);
            }
            else
            {
                RunLog.OutputLine(_logger, command, line);
            }
        }

        if (lines > OutputLinesMax)
        {
            RunLog.OutputCut(_logger, command, lines - OutputLinesMax);
        }
    }

    private readonly record struct RunResult(int? Exit, bool TimedOut)
    {
        public bool Succeeded => Exit == 0;
    }

    private static partial class RunLog
    {
        [LoggerMessage(EventId = LogEvents.Run.Ran, Level = LogLevel.Information, Message = "{EntryPoint} run ok: {Command}")]
        public static partial void Ran(ILogger logger, string entryPoint, string command);

        [LoggerMessage(EventId = LogEvents.Run.Failed, Level = LogLevel.Error, Message = "{EntryPoint} run failed: exit {Exit}: {Command}")]
        public static partial void Failed(ILogger logger, string entryPoint, string command, int exit);

        [LoggerMessage(EventId = LogEvents.Run.TimedOut, Level = LogLevel.Error, Message = "{EntryPoint} run timed out after {Seconds:F0}s (killed): {Command}")]
        public static partial void TimedOut(ILogger logger, string entryPoint, string command, double seconds);

        [LoggerMessage(EventId = LogEvents.Run.CouldNotRun, Level = LogLevel.Error, Message = "{EntryPoint} could not run {Command}: {Reason}")]
        public static partial void CouldNotRun(ILogger logger, string entryPoint, string command, string reason);

        [LoggerMessage(EventId = LogEvents.Run.OutputLine, Level = LogLevel.Information, Message = "run output: {Command}: {Line}")]
        public static partial void OutputLine(ILogger logger, string command, string line);

        [LoggerMessage(EventId = LogEvents.Run.ErrorLine, Level = LogLevel.Warning, Message = "run stderr: {Command}: {Line}")]
        public static partial void ErrorLine(ILogger logger, string command, string line);

        [LoggerMessage(EventId = LogEvents.Run.OutputCut, Level = LogLevel.Warning, Message = "run output: {Command}: {Lines} more line(s) not logged")]
        public static partial void OutputCut(ILogger logger, string command, int lines);

        [LoggerMessage(EventId = LogEvents.Run.Quarantined, Level = LogLevel.Error, Message = "after_work quarantined: {LocalPath} ({Reason}), moved to {Quarantine}; not announced")]
        public static partial void Quarantined(ILogger logger, string localPath, string reason, string quarantine);
    }
}

/// <summary>The commands of <see cref="RunCallback"/> (each split into program and arguments), from the <c>run_*</c> options.</summary>
internal sealed record RunOptions
{
    public required string Flow { get; init; }

    public string[]? Start { get; init; }

    public string[]? Stop { get; init; }

    public string[]? Housekeeping { get; init; }

    public string[]? Accept { get; init; }

    public string[]? AcceptItem { get; init; }

    public string[]? Work { get; init; }

    public string[]? WorkItem { get; init; }

    public string[]? Post { get; init; }

    public string[]? ScanItem { get; init; }

    /// <summary>Where files that fail <see cref="ScanItem"/> go (<c>run_quarantine</c>).</summary>
    public required string Quarantine { get; init; }

    /// <summary>How long a command may run before it is killed (<c>run_timeout</c>).</summary>
    public TimeSpan Timeout { get; init; } = Defaults.RunTimeout;
}
