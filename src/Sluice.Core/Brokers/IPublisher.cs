namespace Sluice.Core.Brokers;

/// <summary>Publishes messages and waits for the broker to confirm them.</summary>
public interface IPublisher : IAsyncDisposable
{
    /// <summary>Publishes and returns once every message is confirmed.</summary>
    /// <exception cref="BrokerException">Not confirmed (the caller keeps the messages for a retry).</exception>
    ValueTask PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken);
}
