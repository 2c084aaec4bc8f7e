using Sluice.Core.Config;
namespace Sluice.Core.Brokers;

/// <summary>How a flow subscribes: sr3's <c>exchange</c>, <c>topicPrefix</c>, <c>subtopic</c>, <c>queueName</c>, <c>prefetch</c>, ...</summary>
public sealed record SubscriptionOptions
{
    public required IReadOnlyList<Binding> Bindings { get; init; }

    /// <summary>The queue (AMQP) or shared-subscription group and client id (MQTT).</summary>
    public required string QueueName { get; init; }

    /// <summary>Messages delivered but not yet acknowledged (<c>prefetch</c>).</summary>
    public int Prefetch { get; init; } = Defaults.Prefetch;

    /// <summary>The queue survives a broker restart (<c>durable</c>).</summary>
    public bool Durable { get; init; } = true;

    /// <summary>How long an unused queue or session is kept (<c>expire</c>); zero: forever.</summary>
    public TimeSpan Expire { get; init; } = Defaults.Expire;

    /// <summary>Declare the queue (<c>queueDeclare</c>).</summary>
    public bool QueueDeclare { get; init; } = true;

    /// <summary>Bind the queue (<c>queueBind</c>).</summary>
    public bool QueueBind { get; init; } = true;

    /// <summary>Declare the exchanges bound to (<c>exchangeDeclare</c>).</summary>
    public bool ExchangeDeclare { get; init; }

    /// <summary>Instances share the subscription (MQTT shared subscription when more than one).</summary>
    public int Instances { get; init; } = Defaults.Instances;

    /// <summary>Which instance this is (1-based): MQTT gives each its own client id and session.</summary>
    public int Instance { get; init; } = 1;
}
