using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Daemon.Supervision;
using Sluice.Tests.Servers;

namespace Sluice.Daemon.Tests;

public class FlowSupervisorTests
{
    [Fact]
    public async Task A_failing_flow_is_restarted_while_the_others_keep_running()
    {
        await using var supervisor = new FlowSupervisor(NullLogger.Instance);
        await supervisor.ApplyAsync(
        [
            new FlowDefinition("subscribe/good", 2, (i, ct) => TestFlows.Trickle("subscribe/good", i, ct)),
            new FlowDefinition("shovel/bad", 1, (i, ct) => TestFlows.Crashing("shovel/bad", i, ct)),
            new FlowDefinition("sarra/broken", 1, null) { Error = "sarra/broken.conf:3: batch: 'lots' is not a count" },
        ]);

        await Patience.UntilAsync(() => supervisor.Status().Single(s => s.Name == "shovel/bad").Restarts >= 1, "the bad flow to be restarted");
        await Patience.UntilAsync(() => supervisor.Status().Single(s => s.Name == "subscribe/good").Posted > 20, "the good flow to post");

        var status = supervisor.Status().ToDictionary(s => s.Name);
        Assert.Equal("running", status["subscribe/good"].State);
        Assert.Equal(2, status["subscribe/good"].InstancesRunning);
        Assert.Equal("restarting", status["shovel/bad"].State);
        Assert.Equal("broker connection refused", status["shovel/bad"].LastError);
        Assert.Equal("failed", status["sarra/broken"].State);
        Assert.Contains("sarra/broken.conf:3", status["sarra/broken"].LastError);
    }

    [Fact]
    public async Task A_flow_the_broker_refuses_shows_as_failed_with_the_one_line_saying_what_to_do()
    {
        var broker = Sluice.Core.Brokers.BrokerUrl.Parse("amqp://guest@127.0.0.1:5672/");
        var refusal = new Sluice.Core.Brokers.BrokerRefusedException(broker, "queue q_guest.x exists with x-expires=300000, this configuration asks 600000", $"run `sluice cleanup {Sluice.Core.Brokers.BrokerRefusedException.FlowPlaceholder}` to delete it, or set `expire` to match");
        await using var supervisor = new FlowSupervisor(NullLogger.Instance);
        await supervisor.ApplyAsync(
        [
            new FlowDefinition("shovel/s", 1, (i, ct) => Task.FromException<Sluice.Core.Flows.Flow>(refusal)),
            new FlowDefinition("subscribe/good", 1, (i, ct) => TestFlows.Trickle("subscribe/good", i, ct)),
        ]);

        await Patience.UntilAsync(() => supervisor.Status().Single(s => s.Name == "shovel/s").State == "failed", "the refused flow to show as failed");
        var status = supervisor.Status().ToDictionary(s => s.Name);
        Assert.Equal("amqp://guest@127.0.0.1:5672/: queue q_guest.x exists with x-expires=300000, this configuration asks 600000: run `sluice cleanup shovel/s` to delete it, or set `expire` to match", status["shovel/s"].LastError);
        Assert.Equal(0, status["shovel/s"].InstancesRunning);
        await Patience.UntilAsync(() => supervisor.Status().Single(s => s.Name == "subscribe/good").State == "running", "the other flow to keep running");
    }

    [Fact]
    public async Task Stop_and_start_act_on_one_flow_and_counters_survive_a_restart()
    {
        await using var supervisor = new FlowSupervisor(NullLogger.Instance);
        supervisor.Start(new FlowDefinition("subscribe/a", 1, (i, ct) => TestFlows.Trickle("subscribe/a", i, ct)));
        supervisor.Start(new FlowDefinition("subscribe/b", 1, (i, ct) => TestFlows.Trickle("subscribe/b", i, ct)));
        await Patience.UntilAsync(() => supervisor.Status().All(s => s.Posted > 5), "both flows to post");

        Assert.True(await supervisor.StopAsync("subscribe/a"));
        var stopped = supervisor.Status().Single(s => s.Name == "subscribe/a");
        Assert.Equal("stopped", stopped.State);
        Assert.Equal("running", supervisor.Status().Single(s => s.Name == "subscribe/b").State);

        Assert.True(supervisor.Start("subscribe/a"));
        await Patience.UntilAsync(() => supervisor.Status().Single(s => s.Name == "subscribe/a").Posted > stopped.Posted + 5, "the restarted flow to post more");
        Assert.False(await supervisor.StopAsync("subscribe/none"));
    }

    [Fact]
    public async Task Apply_restarts_only_the_flows_whose_configuration_changed()
    {
        await using var supervisor = new FlowSupervisor(NullLogger.Instance);
        var starts = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        FlowDefinition Def(string name, string fingerprint) => new("subscribe/" + name, 1, (i, ct) =>
        {
            lock (starts)
            {
                starts[name]++;
            }

            return TestFlows.Trickle("subscribe/" + name, i, ct);
        })
        { Fingerprint = fingerprint };

        await supervisor.ApplyAsync([Def("a", "1"), Def("b", "1")]);
        await Patience.UntilAsync(() => supervisor.Status().All(s => s.State == "running"), "both running");
        await supervisor.ApplyAsync([Def("a", "1"), Def("b", "2")]);
        await Patience.UntilAsync(() => supervisor.Status().All(s => s.State == "running") && starts["b"] == 2, "b restarted");
        Assert.Equal(1, starts["a"]);
        await supervisor.ApplyAsync([Def("a", "1")]);
        Assert.Equal(["subscribe/a"], supervisor.Names);
    }

    [Fact]
    public async Task A_pump_service_starts_before_the_flows_and_stops_after_them()
    {
        var events = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var listening = false;
        await using var supervisor = new FlowSupervisor(NullLogger.Instance);
        await supervisor.ApplyAsync(
        [
            new FlowDefinition("subscribe/uses-pump", 1, (i, ct) =>
            {
                events.Enqueue(listening ? "flow created, pump listening" : "flow created before the pump");
                return TestFlows.Trickle("subscribe/uses-pump", i, ct);
            }),
            new FlowDefinition("pump/local", 1, null)
            {
                Service = async ct =>
                {
                    await Task.Delay(300, ct); // a pump that is slow to bind its ports
                    listening = true;
                    events.Enqueue("pump started");
                    return new Recorder(events, "pump stopped");
                },
            },
        ]);

        await Patience.UntilAsync(() => supervisor.Status().All(s => s.State == "running"), "the pump and the flow to run");
        var pump = supervisor.Status().Single(s => s.Name == "pump/local");
        Assert.Equal(1, pump.InstancesRunning);
        await supervisor.StopAllAsync();
        events.Enqueue("flows stopped");
        Assert.Equal(["pump started", "flow created, pump listening", "pump stopped", "flows stopped"], events.ToArray());
        Assert.Equal("stopped", supervisor.Status().Single(s => s.Name == "pump/local").State);
    }

    [Fact]
    public async Task A_pump_service_that_cannot_start_is_retried_and_shows_why()
    {
        var attempts = 0;
        await using var supervisor = new FlowSupervisor(NullLogger.Instance);
        await supervisor.ApplyAsync(
        [
            new FlowDefinition("pump/busy", 1, null)
            {
                Service = _ =>
                {
                    Interlocked.Increment(ref attempts);
                    throw new IOException("address already in use");
                },
            },
        ]);

        var status = supervisor.Status().Single();
        Assert.Equal("restarting", status.State);
        Assert.Equal("address already in use", status.LastError);
        await Patience.UntilAsync(() => Volatile.Read(ref attempts) >= 2, "a second attempt");
    }

    private sealed class Recorder(System.Collections.Concurrent.ConcurrentQueue<string> events, string what) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            events.Enqueue(what);
            return ValueTask.CompletedTask;
        }
    }
}
