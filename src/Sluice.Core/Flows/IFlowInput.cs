namespace Sluice.Core.Flows;

/// <summary>Where a flow's messages come from (a broker queue, a directory scan, a poll, the command line).</summary>
internal interface IFlowInput : IAsyncDisposable
{
    /// <summary>
    /// Waits up to <paramref name="wait"/> for messages and returns up to <paramref name="max"/> of them
    /// (possibly none). <see cref="IsComplete"/> turns true when there will be no more (a one-shot post).
    /// </summary>
    ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>Acknowledges messages that are done with (posted, queued for retry, or rejected).</summary>
    ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken);

    /// <summary>True once the input has nothing more to give.</summary>
    bool IsComplete { get; }
}
