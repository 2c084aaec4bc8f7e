namespace Sluice.Core.Brokers;

/// <summary>Messages from a queue or subscription, acknowledged after the work on them is done.</summary>
public interface ISubscription : IAsyncDisposable
{
    /// <summary>Waits up to <paramref name="wait"/> and returns up to <paramref name="max"/> messages (possibly none).</summary>
    ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>Acknowledges messages. Tokens from before a reconnection are ignored: the broker delivers those again.</summary>
    ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken);
}
