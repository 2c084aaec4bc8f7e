namespace Sluice.Core.Brokers;

/// <summary>
/// One subscription binding, as sr3 builds it: an exchange, a topic prefix (<c>v03</c>) and a subtopic
/// (<c>observations.#</c>), with AMQP wildcards (<c>*</c> one word, <c>#</c> any number).
/// </summary>
public sealed record Binding(string Exchange, IReadOnlyList<string> TopicPrefix, string Subtopic)
{
    /// <summary>The AMQP binding key: prefix and subtopic joined with dots.</summary>
    public string AmqpKey => string.Join('.', TopicPrefix.Concat(Subtopic.Split('.', StringSplitOptions.RemoveEmptyEntries)));

    /// <summary>The MQTT topic filter: exchange, prefix and subtopic joined with slashes, <c>*</c> as <c>+</c>.</summary>
    public string MqttFilter => string.Join('/', new[] { Exchange }.Concat(TopicPrefix).Concat(Subtopic.Split('.', StringSplitOptions.RemoveEmptyEntries).Select(w => w == "*" ? "+" : w)));
}
