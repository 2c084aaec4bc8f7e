using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Core.Brokers;

/// <summary>
/// Posts a flow's messages on a broker: encoded in <c>post_format</c>, with the topic from
/// <c>post_topicPrefix</c> and the relPath, on <c>post_exchange</c> (or spread over <c>post_exchangeSplit</c>
/// exchanges by checksum, as sr3 does, so each winnow sees all copies of a file).
/// </summary>
internal sealed class BrokerOutput(IPublisher publisher, IMessageFormat format, IReadOnlyList<string> exchanges, IReadOnlyList<string> topicPrefix) : IFlowOutput
{
    public async ValueTask PublishAsync(IReadOnlyList<NotificationMessage> messages, CancellationToken cancellationToken)
    {
        var outgoing = new List<OutgoingMessage>(messages.Count);
        foreach (var message in messages)
        {
            outgoing.Add(new OutgoingMessage(ExchangeFor(message), format.Encode(message, topicPrefix)));
        }

        await publisher.PublishAsync(outgoing, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>sr3's exchange split: the sum of the identity value's bytes, modulo the number of exchanges.</summary>
    internal string ExchangeFor(NotificationMessage message)
    {
        if (exchanges.Count == 1)
        {
            return exchanges[0];
        }

        var value = message.Identity?.Value ?? message.RelPath;
        var sum = 0;
        foreach (var c in value)
        {
            sum += c & 0xFF;
        }

        return exchanges[sum % exchanges.Count];
    }

    public ValueTask DisposeAsync() => publisher.DisposeAsync();
}
