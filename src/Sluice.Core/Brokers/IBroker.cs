namespace Sluice.Core.Brokers;

/// <summary>
/// A connection to a message broker (AMQP, MQTT, ...). Adapters reconnect by themselves, with backoff, and
/// re-declare what they declared; what was delivered but not acknowledged is delivered again.
/// </summary>
public interface IBroker : IAsyncDisposable
{
    /// <summary>The broker's URL, without password.</summary>
    BrokerUrl Url { get; }

    /// <summary>Declares the queue and bindings (as configured) and starts consuming.</summary>
    Task<ISubscription> SubscribeAsync(SubscriptionOptions options, CancellationToken cancellationToken);

    /// <summary>A publisher with confirms.</summary>
    Task<IPublisher> CreatePublisherAsync(CancellationToken cancellationToken);

    /// <summary>Declares a topic exchange (AMQP; a no-op where exchanges are only topic roots).</summary>
    Task DeclareExchangeAsync(string exchange, bool durable, CancellationToken cancellationToken);

    /// <summary>Deletes an exchange (AMQP).</summary>
    Task DeleteExchangeAsync(string exchange, CancellationToken cancellationToken);

    /// <summary>Deletes a queue (AMQP) or a persistent session (MQTT).</summary>
    Task DeleteQueueAsync(string queue, CancellationToken cancellationToken);
}
