using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Sluice.Core.Logging;
using Sluice.Daemon.Control;
using Sluice.Daemon.Supervision;

namespace Sluice.Daemon;

/// <summary>
/// One daemon per user: hosts every enabled flow in this process under a <see cref="FlowSupervisor"/>,
/// answers the control API, and stops cleanly (in-flight work finished and acknowledged) on request or SIGTERM.
/// </summary>
public sealed partial class DaemonHost(DaemonOptions options, IFlowCatalog catalog, ILogger logger, TimeProvider? time = null)
{
    private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The pid in the pid file when that process is alive (not a zombie being reaped), or null. It only names the
    /// daemon: whether one runs is told by its lock (<see cref="RunAsync"/>) and its control socket answering.
    /// </summary>
    public static int? RunningPid(DaemonOptions options)
    {
        string text;
        try
        {
            text = File.ReadAllText(options.PidFile).Trim();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        try
        {
            // /proc/<pid>/stat: "pid (comm) S ...": a killed process is Z (zombie) or X (dead) until it is reaped.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state is 'Z' or 'X' ? null : pid;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Takes the daemon's lock, waiting a while for a daemon that is still dying (the kernel releases a killed
    /// process's lock only once it is torn down). Null when another daemon holds it all that time.
    /// </summary>
    private static async Task<FileStream?> LockAsync(DaemonOptions options, CancellationToken cancellationToken)
    {
        // .NET takes an advisory lock (flock, LOCK_EX | LOCK_NB) on Unix for FileShare.None.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(options.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < options.LockWait)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>Asks the daemon to stop.</summary>
    public void RequestShutdown() => _shutdown.TrySetResult();

    /// <summary>Runs until asked to stop (control API, SIGTERM, or <paramref name="cancellationToken"/>). Returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.StateDirectory);
        using var daemonLock = await LockAsync(options, cancellationToken).ConfigureAwait(false);
        if (daemonLock is null)
        {
            DaemonLog.AlreadyRunning(logger, RunningPid(options), options.LockFile, options.LockWait.TotalSeconds);
            return 1;
        }

        // A pid file or control socket still here was left by a daemon that died: this one replaces them.
        await File.WriteAllTextAsync(options.PidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        var started = (time ?? TimeProvider.System).GetUtcNow();
        await using var supervisor = new FlowSupervisor(logger, time, options.StopTimeout);
        using var registration = cancellationToken.Register(RequestShutdown);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            RequestShutdown();
        });
        try
        {
            var flows = catalog.Load();
            await supervisor.ApplyAsync(flows).ConfigureAwait(false);
            DaemonLog.Started(logger, Environment.ProcessId, flows.Count, options.SocketPath);
            await using var control = await ControlServer.StartAsync(
                supervisor,
                options.SocketPath,
                options.Http,
                () => new DaemonInfo(Environment.ProcessId, typeof(DaemonHost).Assembly.GetName().Version?.ToString(3) ?? "0", started, Environment.WorkingSet, supervisor.Status()),
                RequestShutdown,
                cancellationToken,
                () => supervisor.ApplyAsync(catalog.Load())).ConfigureAwait(false);
            if (control.HttpAddress is { } http)
            {
                DaemonLog.Http(logger, http.ToString());
            }

            await _shutdown.Task.ConfigureAwait(false);
            DaemonLog.Stopping(logger);
            await supervisor.StopAllAsync().ConfigureAwait(false);
            return 0;
        }
        finally
        {
            File.Delete(options.PidFile);
            File.Delete(options.SocketPath);
            DaemonLog.Stopped(logger);
        }
    }

    private static partial class DaemonLog
    {
        [LoggerMessage(EventId = LogEvents.Daemon.Started, Level = LogLevel.Information, Message = "daemon {Pid} started with {Flows} flow(s); control socket {Socket}")]
        public static partial void Started(ILogger logger, int pid, int flows, string socket);

        [LoggerMessage(EventId = LogEvents.Daemon.AlreadyRunning, Level = LogLevel.Error, Message = "a daemon is already running (pid {Pid}): it has held {LockFile} for the {Seconds} s this one waited")]
        public static partial void AlreadyRunning(ILogger logger, int? pid, string lockFile, double seconds);

        [LoggerMessage(EventId = LogEvents.Daemon.Stopping, Level = LogLevel.Information, Message = "daemon stopping: finishing in-flight work")]
        public static partial void Stopping(ILogger logger);

        [LoggerMessage(EventId = LogEvents.Daemon.Stopped, Level = LogLevel.Information, Message = "daemon stopped")]
        public static partial void Stopped(ILogger logger);

        [LoggerMessage(EventId = LogEvents.Daemon.Http, Level = LogLevel.Information, Message = "control API also on {Address}")]
        public static partial void Http(ILogger logger, string address);
    }
}
