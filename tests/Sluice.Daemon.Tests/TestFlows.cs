using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core;
using Sluice.Core.Flows;
using Sluice.Core.Messages;

namespace Sluice.Daemon.Tests;

/// <summary>Flows over in-memory ports, for supervising: a steady trickle of messages, or a flow that crashes.</summary>
internal static class TestFlows
{
    public static Task<Flow> Trickle(string name, int instance, CancellationToken cancellationToken, ConcurrentBag<string>? posted = null) =>
        Task.FromResult(new Flow(new FlowOptions { Name = name, Instance = instance, ReceiveWait = TimeSpan.FromMilliseconds(20) }, new TrickleInput(), null, new BagOutput(posted ?? []), NullLogger.Instance));

    public static Task<Flow> Crashing(string name, int instance, CancellationToken cancellationToken) =>
        Task.FromResult(new Flow(new FlowOptions { Name = name, Instance = instance }, new CrashingInput(), null, new BagOutput([]), NullLogger.Instance));

    private sealed class TrickleInput : IFlowInput
    {
        private int _n;

        public bool IsComplete => false;

        public async ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken)
        {
            await Task.Delay(5, cancellationToken);
            var n = Interlocked.Increment(ref _n);
            return [new FlowMessage(new NotificationMessage("20261123T183058.0", "http://h/", $"t/{n}"), n)];
        }

        public ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class CrashingInput : IFlowInput
    {
        public bool IsComplete => false;

        public ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken) =>
            throw new BrokerGoneException();

        public ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class BrokerGoneException() : SluiceException("broker connection refused");

    private sealed class BagOutput(ConcurrentBag<string> posted) : IFlowOutput
    {
        public ValueTask PublishAsync(IReadOnlyList<NotificationMessage> messages, CancellationToken cancellationToken)
        {
            foreach (var m in messages)
            {
                posted.Add(m.RelPath);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
