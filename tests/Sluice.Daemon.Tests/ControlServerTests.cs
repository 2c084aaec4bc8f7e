using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Daemon.Control;
using Sluice.Daemon.Supervision;

namespace Sluice.Daemon.Tests;

public class ControlServerTests
{
    private sealed class Catalog(params FlowDefinition[] flows) : IFlowCatalog
    {
        public IReadOnlyList<FlowDefinition> Load() => flows;
    }

    private static string StateDirectory() => Path.Combine(Path.GetTempPath(), "sluice-d-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task The_daemon_answers_status_metrics_and_flow_actions_on_its_socket_then_shuts_down()
    {
        var options = new DaemonOptions { StateDirectory = StateDirectory(), Http = new IPEndPoint(IPAddress.Loopback, 0) };
        var host = new DaemonHost(options, new Catalog(
            new FlowDefinition("subscribe/a", 1, (i, ct) => TestFlows.Trickle("subscribe/a", i, ct)),
            new FlowDefinition("winnow/bad", 1, null) { Error = "winnow/bad.conf:7: unknown callback 'nope'" }), NullLogger.Instance);
        var run = host.RunAsync(CancellationToken.None);

        using var client = new ControlClient(options.SocketPath);
        for (var i = 0; i < 200 && !await client.IsRunningAsync(CancellationToken.None); i++)
        {
            await Task.Delay(50);
        }

        var status = await client.StatusAsync(CancellationToken.None);
        Assert.Equal(Environment.ProcessId, status.Pid);
        Assert.Equal(["subscribe/a", "winnow/bad"], status.Flows.Select(f => f.Name));
        Assert.Equal(Environment.ProcessId, DaemonHost.RunningPid(options));

        var metrics = await client.MetricsAsync(CancellationToken.None);
        Assert.Contains("# TYPE sluice_messages_posted_total counter", metrics);
        Assert.Matches("sluice_messages_received_total\\{flow=\"subscribe/a\",state=\"running\"\\} \\d+", metrics);

        Assert.Null(await client.FlowActionAsync("subscribe/a", "stop", CancellationToken.None));
        Assert.Equal("stopped", (await client.StatusAsync(CancellationToken.None)).Flows[0].State);
        Assert.Contains("no flow", await client.FlowActionAsync("subscribe/zzz", "stop", CancellationToken.None));

        await client.ShutdownAsync(CancellationToken.None);
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(options.PidFile));
        Assert.False(await client.IsRunningAsync(CancellationToken.None));
        Directory.Delete(options.StateDirectory, true);
    }

    [Fact]
    public async Task A_second_daemon_for_the_same_state_directory_refuses_to_start()
    {
        var options = new DaemonOptions { StateDirectory = StateDirectory() };
        var first = new DaemonHost(options, new Catalog(), NullLogger.Instance);
        var run = first.RunAsync(CancellationToken.None);
        using var client = new ControlClient(options.SocketPath);
        for (var i = 0; i < 200 && !await client.IsRunningAsync(CancellationToken.None); i++)
        {
            await Task.Delay(50);
        }

        // The same process holds the pid file; a different pid in it is what a second daemon would see.
        await File.WriteAllTextAsync(options.PidFile, "1");
        var second = new DaemonHost(options, new Catalog(), NullLogger.Instance);
        Assert.Equal(1, await second.RunAsync(CancellationToken.None));
        first.RequestShutdown();
        await run;
        Directory.Delete(options.StateDirectory, true);
    }
}
