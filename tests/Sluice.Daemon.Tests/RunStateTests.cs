using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Daemon.Supervision;
using Sluice.Tests;
using Sluice.Tests.Servers;

namespace Sluice.Daemon.Tests;

/// <summary>The states of <c>sluice status</c> follow from the flows' counters and the thresholds, in fake time.</summary>
public class RunStateTests
{
    /// <summary>Gives <paramref name="count"/> messages (pubTime <paramref name="age"/> before now), then nothing.</summary>
    private sealed class ScriptedInput(TimeProvider time, int count, TimeSpan age) : IFlowInput
    {
        private int _given;

        public bool IsComplete => false;

        public async ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken)
        {
            await Task.Delay(10, cancellationToken);
            if (_given >= count)
            {
                return [];
            }

            var n = ++_given;
            return [new FlowMessage(new NotificationMessage(SrTime.Format(time.GetUtcNow() - age), "http://h/", $"f/{n}"), n)];
        }

        public ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Work that never ends by itself (a transfer from a server that never answers); counts how often it was cut short.</summary>
    private sealed class BlockingWork : IFlowWork
    {
        public int Started;
        public int CutShort;

        public async ValueTask<WorkOutcome> DoAsync(FlowMessage item, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Started);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref CutShort);
                throw;
            }

            return WorkOutcome.Ok;
        }
    }

    private sealed class FailingWork : IFlowWork
    {
        public ValueTask<WorkOutcome> DoAsync(FlowMessage item, CancellationToken cancellationToken)
        {
            item.Reason = "server said no";
            return ValueTask.FromResult(WorkOutcome.Retry);
        }
    }

    private static FlowDefinition Define(string name, Func<int, Flow> create, int instances = 1) =>
        new(name, instances, (i, _) => Task.FromResult(create(i)));

    // No retry comes round and none expires while the test moves time by minutes: the retry queue stays as it is.
    private static FlowOptions Options(string name, int instance = 1, string? state = null) =>
        new() { Name = name, Instance = instance, ReceiveWait = TimeSpan.FromMilliseconds(10), Attempts = 1, StateDirectory = state, RetryInterval = TimeSpan.FromDays(1), RetryTtl = TimeSpan.FromDays(2) };

    [Fact(Timeout = 120_000)]
    public async Task Hung_idle_lagging_retrying_and_waiting_follow_the_counters_and_sanity_restarts_only_the_hung_flow()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var blocking = new BlockingWork();
        var stuckStarts = 0;
        Flow? waiting = null;
        var supervisor = new FlowSupervisor(NullLogger.Instance, time, TimeSpan.FromSeconds(5));
        try
        {
            await supervisor.ApplyAsync(
            [
                Define("subscribe/stuck", i =>
                {
                    Interlocked.Increment(ref stuckStarts);
                    return new Flow(Options("subscribe/stuck"), new ScriptedInput(time, 1, TimeSpan.Zero), blocking, null, NullLogger.Instance, time);
                }),
                Define("subscribe/quiet", i => new Flow(Options("subscribe/quiet"), new ScriptedInput(time, 0, TimeSpan.Zero), null, null, NullLogger.Instance, time)),
                Define("subscribe/late", i => new Flow(Options("subscribe/late"), new ScriptedInput(time, 1, TimeSpan.FromMinutes(2)), null, null, NullLogger.Instance, time)),
                Define("sarra/failing", i => new Flow(Options("sarra/failing", state: dir.File("failing")), new ScriptedInput(time, 3, TimeSpan.Zero), new FailingWork(), null, NullLogger.Instance, time)),
                Define("poll/vip", i => waiting = new Flow(Options("poll/vip"), new ScriptedInput(time, 0, TimeSpan.Zero), null, null, NullLogger.Instance, time)),
                Define("sarra/strict", i => new Flow(Options("sarra/strict", state: dir.File("strict")), new ScriptedInput(time, 3, TimeSpan.Zero), new FailingWork(), null, NullLogger.Instance, time))
                with { Thresholds = new RunStateThresholds { Retry = 10 } },
            ]);

            string State(string name) => supervisor.Status().Single(s => s.Name == name).State;
            string All() => string.Join(", ", supervisor.Status().Select(s => $"{s.Name}={s.State}"));

            await Patience.UntilAsync(() => blocking.Started == 1 && waiting is not null && supervisor.Status().Single(s => s.Name == "sarra/failing").RetryQueued == 3, All);
            waiting!.Metrics.SetWaiting("vip");
            Assert.Equal(RunStates.Running, State("subscribe/stuck")); // work pending, but not for long yet
            Assert.Equal(RunStates.Running, State("subscribe/quiet"));
            Assert.Equal(RunStates.Lagging, State("subscribe/late"));
            Assert.Equal(RunStates.Retrying, State("sarra/failing"));
            Assert.Equal(RunStates.Running, State("sarra/strict")); // 3 waiting for a retry is below its runStateThreshold_retry of 10
            Assert.Equal(RunStates.WaitingForVip, State("poll/vip"));
            Assert.Equal("vip", supervisor.Status().Single(s => s.Name == "poll/vip").Waiting);
            Assert.Equal(1, supervisor.Status().Single(s => s.Name == "subscribe/stuck").InFlight);
            Assert.Equal(120, supervisor.Status().Single(s => s.Name == "subscribe/late").LagSeconds, 0);

            // Past runStateThreshold_hung (450 s) with the message still in work: hung; the others keep going round.
            time.Advance(TimeSpan.FromSeconds(451));
            await Patience.UntilAsync(() => State("subscribe/stuck") == RunStates.Hung && State("subscribe/quiet") == RunStates.Running, All);

            // Past runStateThreshold_idle (900 s) with nothing received: idle (the lagging flow too: its lag is old news). The
            // retrying flow stays retrying, and only the stuck one is hung, once every loop has gone round since the jump
            // (until then a loop looks stopped: hung).
            time.Advance(TimeSpan.FromSeconds(500));
            await Patience.UntilAsync(
                () => State("subscribe/quiet") == RunStates.Idle && State("subscribe/late") == RunStates.Idle && State("subscribe/stuck") == RunStates.Hung &&
                    State("sarra/failing") == RunStates.Retrying && supervisor.Status().Count(s => s.State == RunStates.Hung) == 1,
                All);

            // Sanity restarts the hung flow only: its blocked work is cut short (after a grace period) and it runs again.
            Assert.Equal([("subscribe/stuck", RunStates.Hung)], await WhileTimePasses(time, supervisor.SanityAsync()));
            Assert.Equal(1, blocking.CutShort);
            Assert.Equal(2, stuckStarts);
            await Patience.UntilAsync(() => blocking.Started == 2, All);
            Assert.Equal(RunStates.Running, State("subscribe/stuck"));
            Assert.Equal(2, supervisor.Status().Single(s => s.Name == "subscribe/stuck").Received); // the counters carry on
            Assert.Empty(await supervisor.SanityAsync());
        }
        finally
        {
            await WhileTimePasses(time, supervisor.StopAllAsync());
            await supervisor.DisposeAsync();
        }
    }

    /// <summary>Lets fake time pass (for the stop timeouts) until <paramref name="task"/> is done.</summary>
    private static async Task<T> WhileTimePasses<T>(FakeTimeProvider time, Task<T> task)
    {
        await WhileTimePasses(time, (Task)task);
        return await task;
    }

    private static async Task WhileTimePasses(FakeTimeProvider time, Task task)
    {
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        while (!task.IsCompleted && !timeout.IsCancellationRequested)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        await task.WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact(Timeout = 60_000)]
    public async Task Fewer_instances_running_than_configured_is_partial_and_none_is_restarting()
    {
        await using var supervisor = new FlowSupervisor(NullLogger.Instance);
        supervisor.Start(new FlowDefinition("subscribe/half", 2, (i, ct) => i == 1 ? TestFlows.Trickle("subscribe/half", i, ct) : TestFlows.Crashing("subscribe/half", i, ct)));
        supervisor.Start(new FlowDefinition("subscribe/down", 1, (i, ct) => TestFlows.Crashing("subscribe/down", i, ct)));
        await Patience.UntilAsync(() => supervisor.Status().All(s => s.Restarts >= 1), () => "both to crash once");
        var status = supervisor.Status().ToDictionary(s => s.Name);
        Assert.Equal(RunStates.Partial, status["subscribe/half"].State);
        Assert.Equal(1, status["subscribe/half"].InstancesRunning);
        Assert.Equal(RunStates.Restarting, status["subscribe/down"].State);
        Assert.Equal("broker connection refused", status["subscribe/down"].LastError);
    }
}
