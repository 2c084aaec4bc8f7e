using System.Collections.Concurrent;
using Sluice.Core.Flows;
using Sluice.Core.Messages;

namespace Sluice.Core.Tests.Flows;

/// <summary>An in-memory input for engine unit tests: hands out queued messages, records acknowledgements.</summary>
internal sealed class MemoryInput : IFlowInput
{
    private readonly ConcurrentQueue<FlowMessage> _queue = new();
    private int _next;

    public MemoryInput(bool completeWhenEmpty = true) => CompleteWhenEmpty = completeWhenEmpty;

    public bool CompleteWhenEmpty { get; set; }

    public ConcurrentBag<object> Acked { get; } = [];

    public bool IsComplete => CompleteWhenEmpty && _queue.IsEmpty;

    public void Add(NotificationMessage message) => _queue.Enqueue(new FlowMessage(message, Interlocked.Increment(ref _next)) { Received = DateTimeOffset.UtcNow });

    public async ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var batch = new List<FlowMessage>();
        while (batch.Count < max && _queue.TryDequeue(out var item))
        {
            batch.Add(item);
        }

        if (batch.Count == 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
        }

        return batch;
    }

    public ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken)
    {
        foreach (var token in ackTokens)
        {
            Acked.Add(token);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>An in-memory output: records what was published; can be made to fail.</summary>
internal sealed class MemoryOutput : IFlowOutput
{
    public ConcurrentQueue<NotificationMessage> Published { get; } = new();

    public volatile bool Failing;

    public ValueTask PublishAsync(IReadOnlyList<NotificationMessage> messages, CancellationToken cancellationToken)
    {
        if (Failing)
        {
            throw new TestBrokerException();
        }

        foreach (var m in messages)
        {
            Published.Enqueue(m);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class TestBrokerException() : SluiceException("broker unreachable");
}

/// <summary>Work decided per relPath by a function; counts calls.</summary>
internal sealed class ScriptedWork(Func<FlowMessage, int, WorkOutcome> decide) : IFlowWork
{
    private readonly ConcurrentDictionary<string, int> _calls = new();

    public int Calls(string relPath) => _calls.GetValueOrDefault(relPath);

    public ValueTask<WorkOutcome> DoAsync(FlowMessage item, CancellationToken cancellationToken)
    {
        var n = _calls.AddOrUpdate(item.Message.RelPath, 1, (_, c) => c + 1);
        var outcome = decide(item, n);
        if (outcome == WorkOutcome.Retry)
        {
            item.Reason = "server said no";
        }

        return ValueTask.FromResult(outcome);
    }
}
