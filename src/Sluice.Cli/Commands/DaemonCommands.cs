using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Sluice.Cli.Progress;
using Sluice.Core;
using Sluice.Core.Brokers;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Logging;
using Sluice.Daemon;
using Sluice.Daemon.Control;
using Sluice.Daemon.Supervision;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice start|stop|restart|status|sanity|foreground</c>: one background daemon per user hosts every enabled
/// configuration; these verbs talk to it over its control socket.
/// </summary>
internal static class DaemonCommands
{
    public static IEnumerable<Command> Create(CliContext context, Func<SluicePaths> paths)
    {
        var startFlows = new Argument<string[]>("flow") { Arity = ArgumentArity.ZeroOrMore, Description = "component/config (default: all enabled)" };
        var httpOption = new Option<string?>("--http") { Description = "Also serve the control API on this loopback address (127.0.0.1:PORT)." };
        var start = new Command("start", "Start the daemon (every enabled configuration), or the flows named.") { startFlows, httpOption };
        start.SetAction(async (r, ct) => await StartAsync(context, paths(), r.GetValue(startFlows)!, r.GetValue(httpOption), ct).ConfigureAwait(false));
        yield return start;

        var stopFlows = new Argument<string[]>("flow") { Arity = ArgumentArity.ZeroOrMore, Description = "component/config (default: the whole daemon)" };
        var stop = new Command("stop", "Stop the flows named, or the daemon (in-flight work is finished first).") { stopFlows };
        stop.SetAction(async (r, ct) => await StopAsync(context, paths(), r.GetValue(stopFlows)!, ct).ConfigureAwait(false));
        yield return stop;

        var restartFlows = new Argument<string[]>("flow") { Arity = ArgumentArity.ZeroOrMore, Description = "component/config (default: everything)" };
        var restart = new Command("restart", "Re-read configurations and restart the flows named (or all).") { restartFlows };
        restart.SetAction(async (r, ct) =>
        {
            var flows = r.GetValue(restartFlows)!;
            using var client = new ControlClient(Options(paths()).SocketPath);
            if (!await client.IsRunningAsync(ct).ConfigureAwait(false))
            {
                return await StartAsync(context, paths(), [], null, ct).ConfigureAwait(false);
            }

            await client.ReloadAsync(ct).ConfigureAwait(false);
            var status = await client.StatusAsync(ct).ConfigureAwait(false);
            foreach (var flow in flows.Length > 0 ? flows : status.Flows.Select(f => f.Name).ToArray())
            {
                if (await client.FlowActionAsync(flow, "restart", ct).ConfigureAwait(false) is { } error)
                {
                    await context.Error.WriteLineAsync($"sluice restart {flow}: {error}").ConfigureAwait(false);
                    return 1;
                }
            }

            await context.Out.WriteLineAsync("restarted").ConfigureAwait(false);
            return 0;
        });
        yield return restart;

        var json = new Option<bool>("--json") { Description = "Print as JSON, for scripts." };
        var status = new Command("status", "Show each configuration: state, instances, counters, lag, retry queue, memory.") { json };
        status.SetAction(async (r, ct) => await StatusAsync(context, paths(), r.GetValue(json), ct).ConfigureAwait(false));
        yield return status;

        var sanity = new Command("sanity", "Restart hung flows, and the daemon if it died (safe to run from cron).");
        sanity.SetAction(async (_, ct) =>
        {
            var options = Options(paths());
            using var client = new ControlClient(options.SocketPath);
            if (await client.IsRunningAsync(ct).ConfigureAwait(false))
            {
                var restarted = await client.SanityAsync(ct).ConfigureAwait(false);
                foreach (var r in restarted)
                {
                    await context.Out.WriteLineAsync($"sanity: restarted {r.Flow} ({r.Reason})").ConfigureAwait(false);
                }

                await context.Out.WriteLineAsync(restarted.Count == 0 ? "sanity: daemon running, no flow hung" : $"sanity: daemon running, {restarted.Count} flow(s) restarted").ConfigureAwait(false);
                return 0;
            }

            if (!File.Exists(options.PidFile))
            {
                await context.Out.WriteLineAsync("sanity: daemon stopped (not started: it was not running)").ConfigureAwait(false);
                return 0;
            }

            await context.Out.WriteLineAsync("sanity: daemon died; starting it again").ConfigureAwait(false);
            File.Delete(options.PidFile);
            return await StartAsync(context, paths(), [], null, ct).ConfigureAwait(false);
        });
        yield return sanity;

        var daemonHttp = new Option<string?>("--http") { Description = "Also serve the control API on this loopback address." };
        var daemon = new Command("daemon", "Run the daemon in the foreground (what start runs in the background).") { daemonHttp };
        daemon.Hidden = true;
        daemon.SetAction(async (r, ct) =>
        {
            var p = paths();
            using var provider = new LogFileProvider(new LogFileOptions { Path = Path.Combine(p.LogDirectory, "sluice_daemon.log") });
            var logger = provider.CreateLogger("daemon");
            var host = new DaemonHost(Options(p) with { Http = ParseEndpoint(r.GetValue(daemonHttp)) }, new ConfigCatalog(p, logger), logger);
            return await host.RunAsync(ct).ConfigureAwait(false);
        });
        yield return daemon;

        var foregroundFlow = new Argument<string>("flow") { Description = "component/config" };
        var foreground = new Command("foreground", "Run one configuration attached to the terminal, logging to standard error.") { foregroundFlow };
        foreground.SetAction(async (r, ct) =>
        {
            if (!FlowName.TryParse(r.GetValue(foregroundFlow)!, context.Error, out var component, out var name))
            {
                return 1;
            }

            Flow? running = null;
            await using var progress = ProgressDisplay.Start(context, $"{component}/{name}", () => running is null ? default : ProgressDisplay.Done(running.Metrics));
            using var provider = new TextWriterLoggerProvider(progress?.Log ?? context.Error);
            var logger = provider.CreateLogger("foreground");
            var catalog = new ConfigCatalog(paths(), logger, logToFiles: false);
            CredentialStore credentials;
            try
            {
                credentials = CredentialStore.Load(paths().CredentialsFile);
            }
            catch (ConfigException ex)
            {
                await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 1;
            }

            try
            {
                return await ForegroundAsync(context, catalog.Define(component, name, credentials), f => running = f, ct).ConfigureAwait(false);
            }
            catch (BrokerRefusedException ex)
            {
                await context.Error.WriteLineAsync($"{component}/{name}: {ex.Describe($"{component}/{name}")}").ConfigureAwait(false);
                return 1;
            }
            catch (SluiceException ex)
            {
                await context.Error.WriteLineAsync($"{component}/{name}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        yield return foreground;
    }

    /// <summary>Runs one flow (or a pump's servers) until cancelled; a configuration error is written and gives 1.</summary>
    private static async Task<int> ForegroundAsync(CliContext context, FlowDefinition definition, Action<Flow> running, CancellationToken ct)
    {
        if (definition.Error is null && definition.Service is not null)
        {
            await using var service = await definition.Service(ct).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        }

        if (definition.Error is not null || definition.Create is null)
        {
            await context.Error.WriteLineAsync(definition.Error).ConfigureAwait(false);
            return 1;
        }

        await using var flow = await definition.Create(1, ct).ConfigureAwait(false);
        running(flow);
        try
        {
            await flow.RunAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    private static readonly JsonSerializerOptions StatusJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    internal static DaemonOptions Options(SluicePaths paths) => new() { StateDirectory = paths.StateDirectory };

    private static IPEndPoint? ParseEndpoint(string? text) =>
        text is null ? null : IPEndPoint.TryParse(text, out var endpoint) ? endpoint : throw new ArgumentException($"--http {text}: not an address:port");

    private static async Task<int> StartAsync(CliContext context, SluicePaths paths, string[] flows, string? http, CancellationToken ct)
    {
        var options = Options(paths);
        using var client = new ControlClient(options.SocketPath);
        if (await client.IsRunningAsync(ct).ConfigureAwait(false))
        {
            await client.ReloadAsync(ct).ConfigureAwait(false);
            foreach (var flow in flows)
            {
                if (await client.FlowActionAsync(flow, "start", ct).ConfigureAwait(false) is { } error)
                {
                    await context.Error.WriteLineAsync($"sluice start {flow}: {error}").ConfigureAwait(false);
                    return 1;
                }
            }

            await context.Out.WriteLineAsync($"daemon running (pid {DaemonHost.RunningPid(options)})").ConfigureAwait(false);
            return 0;
        }

        Directory.CreateDirectory(paths.LogDirectory);
        var (program, arguments) = SelfCommand(["daemon", .. http is null ? Array.Empty<string>() : ["--http", http]]);

        // Detached: its own session (setsid), standard streams away from the caller's terminal or pipe.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("command -v setsid >/dev/null && exec setsid \"$@\" </dev/null >>\"$SLUICE_DAEMON_OUT\" 2>&1 || exec \"$@\" </dev/null >>\"$SLUICE_DAEMON_OUT\" 2>&1");
        info.ArgumentList.Add("sluice");
        info.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["SLUICE_CONFIG_DIR"] = paths.ConfigDirectory;
        info.Environment["SLUICE_STATE_DIR"] = paths.StateDirectory;
        info.Environment["SLUICE_DAEMON_OUT"] = Path.Combine(paths.LogDirectory, "sluice_daemon.out");
        using (var shell = Process.Start(info))
        {
            // sh replaces itself with setsid, which forks the daemon into its own session and returns.
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await client.IsRunningAsync(ct).ConfigureAwait(false))
            {
                var status = await client.StatusAsync(ct).ConfigureAwait(false);
                await context.Out.WriteLineAsync($"daemon started (pid {status.Pid}) with {status.Flows.Count} flow(s); logs in {paths.LogDirectory}").ConfigureAwait(false);
                return 0;
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        await context.Error.WriteLineAsync($"sluice start: the daemon did not answer within 30 s; see {Path.Combine(paths.LogDirectory, "sluice_daemon.log")}").ConfigureAwait(false);
        return 1;
    }

    /// <summary>How to run this very program again (as an apphost, or through dotnet).</summary>
    private static (string Program, string[] Arguments) SelfCommand(string[] arguments)
    {
        var process = Environment.ProcessPath ?? "sluice";
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            // Through dotnet the program is never a single file, so its assembly sits in the base directory.
            return (process, [Path.Combine(AppContext.BaseDirectory, "sluice.dll"), .. arguments]);
        }

        return (process, arguments);
    }

    private static async Task<int> StopAsync(CliContext context, SluicePaths paths, string[] flows, CancellationToken ct)
    {
        var options = Options(paths);
        using var client = new ControlClient(options.SocketPath);
        if (!await client.IsRunningAsync(ct).ConfigureAwait(false))
        {
            await context.Out.WriteLineAsync("daemon not running").ConfigureAwait(false);
            return 0;
        }

        if (flows.Length > 0)
        {
            foreach (var flow in flows)
            {
                if (await client.FlowActionAsync(flow, "stop", ct).ConfigureAwait(false) is { } error)
                {
                    await context.Error.WriteLineAsync($"sluice stop {flow}: {error}").ConfigureAwait(false);
                    return 1;
                }
            }

            return 0;
        }

        var pid = DaemonHost.RunningPid(options);
        await client.ShutdownAsync(ct).ConfigureAwait(false);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && DaemonHost.RunningPid(options) is not null)
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        await context.Out.WriteLineAsync($"daemon stopped (pid {pid})").ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> StatusAsync(CliContext context, SluicePaths paths, bool asJson, CancellationToken ct)
    {
        using var client = new ControlClient(Options(paths).SocketPath);
        DaemonInfo? info = null;
        if (await client.IsRunningAsync(ct).ConfigureAwait(false))
        {
            info = await client.StatusAsync(ct).ConfigureAwait(false);
        }

        // Configurations the daemon does not run are listed too (stopped or disabled).
        var flows = new List<FlowStatus>(info?.Flows ?? []);
        foreach (var (component, name, enabled) in paths.List())
        {
            var full = $"{component}/{name}";
            if (flows.All(f => f.Name != full))
            {
                flows.Add(new FlowStatus { Name = full, State = enabled ? RunStates.Stopped : RunStates.Disabled });
            }
        }

        if (asJson)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(new { running = info is not null, pid = info?.Pid, memoryBytes = info?.MemoryBytes, flows }, StatusJson)).ConfigureAwait(false);
            return 0;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Out), Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect });
        if (Console.IsOutputRedirected || context.Out != Console.Out)
        {
            console.Profile.Width = 240; // a pipe or a file: do not squeeze the table to 80 columns
        }

        console.WriteLine(info is null ? "daemon: not running" : $"daemon: running, pid {info.Pid}, memory {info.MemoryBytes / (1024 * 1024)} MiB (all flows), since {info.Started:u}");
        var table = new Table().AddColumns("configuration", "state", "run", "in", "out", "rejected", "dups", "failed", "retry", "MiB", "msg/s", "MiB/s", "lag s", "last error");
        foreach (var f in flows.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            table.AddRow(
                Markup.Escape(f.Name), StateMarkup(f.State, f.Waiting), $"{f.InstancesRunning}/{f.Instances}", Count(f.Received), Count(f.Posted), Count(f.Rejected),
                Count(f.Duplicates), Count(f.Failed), Count(f.RetryQueued), Number(f.Bytes / (1024.0 * 1024)), Number(f.MessagesPerSecond),
                Number(f.BytesPerSecond / (1024.0 * 1024)), Number(f.LagSeconds),
                Markup.Escape(f.LastError is { } e ? (e.Length > 60 ? e[..60] + "..." : e).ReplaceLineEndings(" ") : string.Empty));
        }

        console.Write(table);

        // Why a flow failed, in full: the table has room for the start of it only.
        foreach (var f in flows.Where(f => f.State == RunStates.Failed && f.LastError is not null).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            console.WriteLine($"{f.Name}: {f.LastError!.ReplaceLineEndings(" ")}");
        }

        return 0;
    }

    private static string Count(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Number(double x) => x.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);

    private static string StateMarkup(string state, string? waiting) => state switch
    {
        RunStates.Running => "[green]running[/]",
        RunStates.Failed or RunStates.Hung => $"[red]{state}[/]",
        RunStates.Restarting or RunStates.Partial or RunStates.Lagging or RunStates.Retrying => $"[yellow]{state}[/]",
        RunStates.Waiting => $"[blue]waiting[/]{(waiting is null ? string.Empty : " " + Markup.Escape(waiting))}",
        RunStates.Idle => "[grey]idle[/]",
        _ => Markup.Escape(state),
    };
}
