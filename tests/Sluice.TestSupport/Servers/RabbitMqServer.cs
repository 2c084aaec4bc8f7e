using System.Diagnostics;

namespace Sluice.Tests.Servers;

/// <summary>
/// A real RabbitMQ (Debian's rabbitmq-server) started for the tests on loopback ports of its own, with its
/// own Erlang node name, epmd port, data and log directories. It can be restarted (its durable queues
/// survive) and is stopped by pid at the end.
/// </summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string Ctl = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    private const string Plugins = "/usr/lib/rabbitmq/bin/rabbitmq-plugins";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-rabbitmq-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly SemaphoreSlim _managementLock = new(1, 1);
    private Process? _process;
    private ServerOutput _output = new();
    private bool _managementEnabled;

    public int Port { get; } = Ports.Free();

    private int DistributionPort { get; } = Ports.Free();

    private int EpmdPort { get; } = Ports.Free();

    /// <summary>The management API's port, once <see cref="EnableManagementAsync"/> has turned the plugin on.</summary>
    public int ManagementPort { get; } = Ports.Free();

    private string NodeName => $"sluice{Port}@localhost";

    public string Url => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ServerScript))
        {
            throw new InvalidOperationException($"RabbitMQ is not installed ({ServerScript} missing): run scripts/install-servers, or apt-get install rabbitmq-server");
        }

        Directory.CreateDirectory(Path.Combine(_directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(_directory, "log"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{Port}\nloopback_users = none\nheartbeat = 10\n");
        await File.WriteAllTextAsync(Path.Combine(_directory, "enabled_plugins"), "[].\n");

        // The management plugin is off (it slows every start); when a test turns it on, it listens here.
        await File.WriteAllTextAsync(Path.Combine(_directory, "advanced.config"), $"[{{rabbitmq_management, [{{tcp_config, [{{ip, \"127.0.0.1\"}}, {{port, {ManagementPort}}}]}}]}}].\n");
        await StartAsync();
    }

    public async Task StartAsync()
    {
        var info = Info(ServerScript);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        _process = Process.Start(info) ?? throw new InvalidOperationException("cannot start rabbitmq-server");
        _output = new ServerOutput();
        _output.Attach(_process);
        var started = Stopwatch.StartNew();
        await Ports.WaitOpenOrExplainAsync($"RabbitMQ ({NodeName})", Port, _process, Log);

        // The port opens a moment before the broker accepts logins. The first start of a freshly installed node
        // (a new Mnesia schema, plugins expanded) can keep answering "still booting" for a long while: ask again
        // until the node is up or the patience for a server start has run out.
        string? lastError = null;
        while (started.Elapsed < Patience.ServerStart && !_process.HasExited)
        {
            try
            {
                await RunCtlAsync("await_startup", "--timeout", "30");
                return;
            }
            catch (InvalidOperationException ex)
            {
                lastError = ex.Message;
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        throw new InvalidOperationException($"RabbitMQ ({NodeName}, port {Port}) did not finish starting within {started.Elapsed.TotalSeconds:F0} s " +
            $"(rabbitmqctl await_startup, asked again each time it failed; last answer: {lastError?.Trim()}); its output:\n{Log()}");
    }

    /// <summary>What the node printed and the end of its log files, for a failure message.</summary>
    private string Log()
    {
        var files = string.Join('\n', Directory.GetFiles(Path.Combine(_directory, "log")).Order(StringComparer.Ordinal).Select(f => $"== {Path.GetFileName(f)}\n{File.ReadAllText(f)}"));
        return $"{_output}\n{(files.Length <= 4000 ? files : files[^4000..])}";
    }

    /// <summary>
    /// The URL of this broker without a user (what sr3 logs in as <c>anonymous</c>), after making the user
    /// <c>anonymous</c> (password <c>anonymous</c>, every permission on <c>/</c>), as a pump that serves anonymous
    /// subscribers has.
    /// </summary>
    public async Task<string> AnonymousUrlAsync()
    {
        await _managementLock.WaitAsync();
        try
        {
            if (!(await RunCtlAsync("list_users", "--silent")).Split('\n').Any(l => l.Split('\t')[0] == "anonymous"))
            {
                await RunCtlAsync("add_user", "anonymous", "anonymous");
                await RunCtlAsync("set_permissions", "-p", "/", "anonymous", ".*", ".*", ".*");
            }
        }
        finally
        {
            _managementLock.Release();
        }

        return $"amqp://127.0.0.1:{Port}/";
    }

    /// <summary>Turns on the management plugin (HTTP API on <see cref="ManagementPort"/>), for this run and later restarts.</summary>
    public async Task EnableManagementAsync()
    {
        await _managementLock.WaitAsync();
        try
        {
            if (!_managementEnabled)
            {
                await RunAsync(Plugins, "enable", "rabbitmq_management");
                _managementEnabled = true;
            }

            if (!await Ports.WaitOpenAsync(ManagementPort, Patience.ServerStart, () => _process is { HasExited: false }))
            {
                throw new InvalidOperationException($"RabbitMQ's management API did not open port {ManagementPort}");
            }
        }
        finally
        {
            _managementLock.Release();
        }
    }

    /// <summary>Stops the broker the way a crash or an operator would (the node goes away), keeping its data.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        await RunCtlAsync("stop");
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _process = null;
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>Runs rabbitmqctl against this node (same HOME for the Erlang cookie); returns its output.</summary>
    public Task<string> RunCtlAsync(params string[] args) => RunAsync(Ctl, args);

    private async Task<string> RunAsync(string program, params string[] args)
    {
        var info = Info(program);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', args)}: {error}{output}");
        }

        return output;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            _process?.Kill(entireProcessTree: true);
        }

        KillEpmd();
        _managementLock.Dispose();
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
        }
    }

    private ProcessStartInfo Info(string program)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, WorkingDirectory = _directory };
        info.Environment["HOME"] = _directory;
        info.Environment["RABBITMQ_NODENAME"] = NodeName;
        info.Environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        info.Environment["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["RABBITMQ_DIST_PORT"] = DistributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["ERL_EPMD_PORT"] = EpmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia");
        info.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log");
        info.Environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(_directory, "rabbitmq.conf");
        info.Environment["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(_directory, "advanced.config");
        info.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins");
        info.Environment["RABBITMQ_PID_FILE"] = Path.Combine(_directory, "rabbitmq.pid");
        return info;
    }

    /// <summary>The epmd daemon the node started for its own port outlives the node: stop it by pid.</summary>
    private void KillEpmd()
    {
        var marker = $"ERL_EPMD_PORT={EpmdPort}";
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == "epmd" &&
                    File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains(marker))
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
            }
        }
    }
}
