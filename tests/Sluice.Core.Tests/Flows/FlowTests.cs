using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Flows;
using Sluice.Core.Messages;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests.Flows;

public class FlowTests
{
    private static NotificationMessage Msg(int n, string sum = "oxddUjBsCZjGeJgZQ2nH8Q==") =>
        new("20261123T183058.0", "http://h/", $"d/f{n}") { Identity = new Identity("md5", sum), Size = n };

    private static FlowOptions Options(string? state = null) => new()
    {
        Name = "subscribe/test",
        Batch = 10,
        Concurrency = 3,
        ReceiveWait = TimeSpan.FromMilliseconds(10),
        RetryInterval = TimeSpan.FromMilliseconds(20),
        StateDirectory = state,
    };

    private static async Task RunAsync(Flow flow)
    {
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        await flow.RunAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the flow did not finish in time");
    }

    [Fact]
    public async Task Every_message_is_worked_posted_and_acknowledged()
    {
        var input = new MemoryInput();
        for (var i = 0; i < 250; i++)
        {
            input.Add(Msg(i));
        }

        var output = new MemoryOutput();
        var work = new ScriptedWork((_, _) => WorkOutcome.Ok);
        await using var flow = new Flow(Options(), input, work, output, NullLogger.Instance);
        await RunAsync(flow);

        Assert.Equal(250, output.Published.Count);
        Assert.Equal(250, input.Acked.Distinct().Count());
        Assert.Equal(250, flow.Metrics.Posted);
        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"d/f{i}").Order(), output.Published.Select(m => m.RelPath).Order());
    }

    [Fact]
    public async Task MessageCountMax_stops_the_flow_after_that_many()
    {
        var input = new MemoryInput(completeWhenEmpty: false);
        for (var i = 0; i < 100; i++)
        {
            input.Add(Msg(i));
        }

        var output = new MemoryOutput();
        await using var flow = new Flow(Options() with { MessageCountMax = 37 }, input, null, output, NullLogger.Instance);
        await RunAsync(flow);

        Assert.Equal(37, output.Published.Count);
        Assert.Equal(37, input.Acked.Count);
    }

    [Fact]
    public async Task A_transfer_that_hangs_holds_up_no_other_file()
    {
        // Messages about one file wait for each other; messages about other files never wait for a hung one (the
        // gates were once shared by the hash of the path, and a hung file held up every file that shared its gate).
        const int count = 400;
        using var stuck = new ManualResetEventSlim();
        var input = new MemoryInput(completeWhenEmpty: false);
        for (var i = 0; i < count; i++)
        {
            input.Add(Msg(i));
        }

        var output = new MemoryOutput();
        var flow = new Flow(Options() with { Batch = 50 }, input, new ScriptedWork((m, _) =>
        {
            if (m.Message.RelPath == "d/f5")
            {
                stuck.Wait();
            }

            return WorkOutcome.Ok;
        }), output, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = flow.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow + Patience.Delivery;
        while (output.Published.Count < count - 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(count - 1, output.Published.Count);
        Assert.DoesNotContain(output.Published, m => m.RelPath == "d/f5");
        stuck.Set();
        await stop.CancelAsync();
        await running;
        await flow.DisposeAsync();
    }

    [Fact]
    public async Task Work_that_renames_a_message_leaves_the_gate_of_the_file_it_was_about()
    {
        // A sender announces where it put a file: its work changes the relPath. The file's gate is still the old name's.
        var input = new MemoryInput();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 5; i++)
            {
                input.Add(Msg(i));
            }
        }

        var output = new MemoryOutput();
        await using var flow = new Flow(Options() with { Batch = 5 }, input, new ScriptedWork((m, _) =>
        {
            m.Message.RelPath = "sent/" + m.Message.RelPath;
            return WorkOutcome.Ok;
        }), output, NullLogger.Instance);
        await RunAsync(flow);
        Assert.Equal(15, output.Published.Count);
        Assert.All(output.Published, m => Assert.StartsWith("sent/d/f", m.RelPath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_whose_work_never_finished_is_new_to_the_flow_that_takes_over_and_the_rest_are_duplicates()
    {
        using var state = new TempDirectory();
        var options = Options(state.Path) with { NoDupeTtl = TimeSpan.FromMinutes(5) };
        using var stuck = new ManualResetEventSlim();
        var firstInput = new MemoryInput(completeWhenEmpty: false);
        for (var i = 0; i < 10; i++)
        {
            firstInput.Add(Msg(i));
        }

        var firstOutput = new MemoryOutput();
        var first = new Flow(options, firstInput, new ScriptedWork((m, _) =>
        {
            if (m.Message.RelPath == "d/f5")
            {
                stuck.Wait(); // the download that is going on when the flow is killed
            }

            return WorkOutcome.Ok;
        }), firstOutput, NullLogger.Instance);
        using var stopFirst = new CancellationTokenSource();
        var running = first.RunAsync(stopFirst.Token);
        var deadline = DateTime.UtcNow + Patience.Delivery;
        while (firstOutput.Published.Count < 9 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(9, firstOutput.Published.Count);

        // The first flow is killed here: what it leaves on disk is all a restarted one has, and the broker delivers all again.
        using var leftOver = new TempDirectory();
        foreach (var file in Directory.GetFiles(state.Path))
        {
            File.Copy(file, System.IO.Path.Combine(leftOver.Path, System.IO.Path.GetFileName(file)));
        }

        var input = new MemoryInput();
        for (var i = 0; i < 10; i++)
        {
            input.Add(Msg(i));
        }

        var output = new MemoryOutput();
        await using (var second = new Flow(options with { StateDirectory = leftOver.Path }, input, new ScriptedWork((_, _) => WorkOutcome.Ok), output, NullLogger.Instance))
        {
            await RunAsync(second);
            Assert.Equal(9, second.Metrics.Duplicates);
        }

        Assert.Equal(["d/f5"], output.Published.Select(m => m.RelPath));
        stuck.Set();
        await stopFirst.CancelAsync();
        await running;
        await first.DisposeAsync();
    }

    [Fact]
    public async Task Rejected_and_duplicate_messages_are_acknowledged_but_not_posted()
    {
        var input = new MemoryInput();
        input.Add(Msg(1));
        input.Add(Msg(1));       // duplicate
        input.Add(Msg(2));
        input.Add(Msg(666));     // filtered out
        var output = new MemoryOutput();
        var options = Options() with { NoDupeTtl = TimeSpan.FromMinutes(5) };
        await using var flow = new Flow(options, input, null, output, NullLogger.Instance,
            filter: m => m.Message.RelPath.EndsWith("666", StringComparison.Ordinal) ? FilterDecision.Reject("rejected by reject .*666") : FilterDecision.Accept);
        await RunAsync(flow);

        Assert.Equal(["d/f1", "d/f2"], output.Published.Select(m => m.RelPath).Order());
        Assert.Equal(4, input.Acked.Count);
        Assert.Equal(1, flow.Metrics.Duplicates);
        Assert.Equal(2, flow.Metrics.Rejected);
    }

    [Fact]
    public async Task Work_that_fails_is_retried_from_the_disk_queue_until_it_works()
    {
        using var state = new TempDirectory();
        var input = new MemoryInput(completeWhenEmpty: false);
        input.Add(Msg(1));
        input.Add(Msg(2));
        var output = new MemoryOutput();
        // f2 fails its 3 in-line attempts twice over, then works on the 7th call.
        var work = new ScriptedWork((m, call) => m.Message.RelPath == "d/f2" && call < 7 ? WorkOutcome.Retry : WorkOutcome.Ok);
        await using var flow = new Flow(Options(state.Path), input, work, output, NullLogger.Instance);
        using var stop = new CancellationTokenSource(Patience.Delivery);
        var run = flow.RunAsync(stop.Token);
        while (output.Published.Count < 2 && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;

        Assert.Equal(["d/f1", "d/f2"], output.Published.Select(m => m.RelPath).Order());
        Assert.Equal(7, work.Calls("d/f2"));
        Assert.Equal(2, input.Acked.Count); // f2 was acknowledged once it was safe in the retry queue
        Assert.Equal(0, flow.Metrics.RetryQueued);
    }

    [Fact]
    public async Task A_retried_message_keeps_the_placement_its_accept_line_gave_it()
    {
        using var state = new TempDirectory();
        var input = new MemoryInput(completeWhenEmpty: false);
        input.Add(Msg(1));
        var output = new MemoryOutput();
        var placed = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        // Fails its 3 in-line attempts, then works from the retry queue.
        var work = new ScriptedWork((m, call) =>
        {
            placed.Enqueue(m.Placement?.Directory);
            return call < 4 ? WorkOutcome.Retry : WorkOutcome.Ok;
        });
        FilterDecision Accept(FlowMessage m)
        {
            m.Placement = new Placement("/srv/from-the-accept-line", Mirror: false, Strip: 0);
            return FilterDecision.Accept;
        }

        await using var flow = new Flow(Options(state.Path), input, work, output, NullLogger.Instance, filter: Accept);
        using var stop = new CancellationTokenSource(Patience.Delivery);
        var run = flow.RunAsync(stop.Token);
        while (output.Published.IsEmpty && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;

        Assert.Equal(4, work.Calls("d/f1"));
        Assert.All(placed, directory => Assert.Equal("/srv/from-the-accept-line", directory));
    }

    [Fact]
    public async Task A_retry_that_the_configuration_now_rejects_is_dropped_not_worked()
    {
        using var state = new TempDirectory();
        var input = new MemoryInput();
        input.Add(Msg(5));
        await using (var first = new Flow(Options(state.Path) with { RetryInterval = TimeSpan.FromHours(1) }, input, new ScriptedWork((_, _) => WorkOutcome.Retry), new MemoryOutput(), NullLogger.Instance))
        {
            await RunAsync(first);
            Assert.Equal(1, first.Metrics.RetryQueued);
        }

        var work = new ScriptedWork((_, _) => WorkOutcome.Ok);
        await using var second = new Flow(Options(state.Path), new MemoryInput(completeWhenEmpty: false), work, new MemoryOutput(), NullLogger.Instance, filter: _ => FilterDecision.Reject("rejected by reject .*"));
        using var stop = new CancellationTokenSource(Patience.Delivery);
        var run = second.RunAsync(stop.Token);
        while (second.Metrics.Rejected == 0 && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;
        Assert.Equal(0, work.Calls("d/f5"));
        Assert.Equal(1, second.Metrics.Rejected);
        Assert.Equal(0, second.Metrics.RetryQueued);
    }

    [Fact]
    public async Task A_failed_message_waits_on_disk_for_the_next_run_of_the_flow()
    {
        using var state = new TempDirectory();
        var input = new MemoryInput();
        input.Add(Msg(5));
        var failing = new ScriptedWork((_, _) => WorkOutcome.Retry);
        await using (var first = new Flow(Options(state.Path) with { RetryInterval = TimeSpan.FromHours(1) }, input, failing, new MemoryOutput(), NullLogger.Instance))
        {
            await RunAsync(first);
            Assert.Equal(1, first.Metrics.RetryQueued);
        }

        Assert.Single(input.Acked);
        var output = new MemoryOutput();
        var input2 = new MemoryInput(completeWhenEmpty: false);
        await using var second = new Flow(Options(state.Path), input2, new ScriptedWork((_, _) => WorkOutcome.Ok), output, NullLogger.Instance);
        using var stop = new CancellationTokenSource(Patience.Delivery);
        var run = second.RunAsync(stop.Token);
        while (output.Published.IsEmpty && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;
        Assert.Equal("d/f5", Assert.Single(output.Published).RelPath);
    }

    [Fact]
    public async Task A_message_is_given_up_after_retryCountMax_failures_and_reported()
    {
        using var state = new TempDirectory();
        var input = new MemoryInput(completeWhenEmpty: false);
        input.Add(Msg(9));
        var reports = new MemoryOutput();
        var options = Options(state.Path) with { RetryCountMax = 2, Attempts = 1, Report = true };
        await using var flow = new Flow(options, input, new ScriptedWork((_, _) => WorkOutcome.Retry), new MemoryOutput(), NullLogger.Instance, reports: reports);
        using var stop = new CancellationTokenSource(Patience.Delivery);
        var run = flow.RunAsync(stop.Token);
        while (flow.Metrics.GivenUp == 0 && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;

        Assert.Equal(1, flow.Metrics.GivenUp);
        Assert.Equal(0, flow.Metrics.RetryQueued);
        var report = Assert.Single(reports.Published);
        Assert.Equal(499, report.Report!.Code);
        Assert.Equal("server said no", report.Report.Message);
    }

    [Fact]
    public async Task Posts_that_fail_are_kept_on_disk_and_sent_when_the_broker_is_back()
    {
        using var state = new TempDirectory();
        var input = new MemoryInput(completeWhenEmpty: false);
        for (var i = 0; i < 5; i++)
        {
            input.Add(Msg(i));
        }

        var output = new MemoryOutput { Failing = true };
        await using var flow = new Flow(Options(state.Path), input, null, output, NullLogger.Instance);
        using var stop = new CancellationTokenSource(Patience.Delivery);
        var run = flow.RunAsync(stop.Token);
        while (flow.Metrics.RetryQueued < 5 && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        Assert.Equal(5, input.Acked.Count);
        output.Failing = false;
        while (output.Published.Count < 5 && !stop.IsCancellationRequested)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await run;
        Assert.Equal(5, output.Published.Count);
    }

    [Fact]
    public async Task Without_a_state_directory_failed_work_is_left_unacknowledged_for_redelivery()
    {
        var input = new MemoryInput();
        input.Add(Msg(1));
        input.Add(Msg(2));
        var work = new ScriptedWork((m, _) => m.Message.RelPath == "d/f1" ? WorkOutcome.Retry : WorkOutcome.Ok);
        await using var flow = new Flow(Options(), input, work, new MemoryOutput(), NullLogger.Instance);
        await RunAsync(flow);
        Assert.Equal([2], input.Acked.Cast<int>());
    }

    [Fact]
    public async Task Callbacks_see_each_stage_and_may_reject()
    {
        var input = new MemoryInput();
        for (var i = 0; i < 4; i++)
        {
            input.Add(Msg(i));
        }

        var callback = new RecordingCallback();
        var output = new MemoryOutput();
        await using var flow = new Flow(Options(), input, null, output, NullLogger.Instance, callbacks: [callback]);
        await RunAsync(flow);

        Assert.Equal(["d/f0", "d/f2", "d/f3"], output.Published.Select(m => m.RelPath).Order());
        Assert.Equal(4, input.Acked.Count);
        Assert.True(callback.Started && callback.Stopped);
        Assert.Equal(3, callback.Worked);
        Assert.Equal(3, callback.Posted);
    }

    private sealed class RecordingCallback : IFlowCallback
    {
        public bool Started, Stopped;
        public int Worked, Posted;

        public string Name => "recording";

        public ValueTask OnStartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            return ValueTask.CompletedTask;
        }

        public ValueTask OnStopAsync(CancellationToken cancellationToken)
        {
            Stopped = true;
            return ValueTask.CompletedTask;
        }

        public ValueTask AfterAcceptAsync(Worklist worklist, CancellationToken cancellationToken)
        {
            var unwanted = worklist.Incoming.Where(m => m.Message.RelPath == "d/f1").ToList();
            foreach (var m in unwanted)
            {
                worklist.Incoming.Remove(m);
                worklist.Rejected.Add(m);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask AfterWorkAsync(Worklist worklist, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref Worked, worklist.Ok.Count);
            return ValueTask.CompletedTask;
        }

        public ValueTask AfterPostAsync(Worklist worklist, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref Posted, worklist.Ok.Count);
            return ValueTask.CompletedTask;
        }
    }
}
