using Microsoft.Extensions.Logging;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Logging;

namespace Sluice.Core.Brokers;

/// <summary>
/// A broker subscription as a flow input: decodes each message in whatever format it came (v03, v02, WIS2).
/// A message that cannot be decoded is acknowledged and logged with the field at fault: it would never decode.
/// </summary>
internal sealed partial class BrokerInput(ISubscription subscription, ILogger logger, TimeProvider? time = null) : IFlowInput
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Messages refused as undecodable.</summary>
    public long Malformed { get; private set; }

    public bool IsComplete => false;

    public async ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var received = await subscription.ReceiveAsync(max, wait, cancellationToken).ConfigureAwait(false);
        var batch = new List<FlowMessage>(received.Count);
        List<object>? bad = null;
        var now = _time.GetUtcNow();
        foreach (var message in received)
        {
            try
            {
                batch.Add(new FlowMessage(MessageFormats.Decode(message.Wire), message.AckToken) { Received = now, Exchange = message.Exchange });
            }
            catch (MessageFormatException ex)
            {
                Malformed++;
                BrokerInputLog.Malformed(logger, message.Exchange, message.Wire.RoutingKey, ex.Message);
                (bad ??= []).Add(message.AckToken);
            }
        }

        if (bad is not null)
        {
            await subscription.AcknowledgeAsync(bad, cancellationToken).ConfigureAwait(false);
        }

        return batch;
    }

    public ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken) =>
        subscription.AcknowledgeAsync(ackTokens, cancellationToken);

    public ValueTask DisposeAsync() => subscription.DisposeAsync();

    private static partial class BrokerInputLog
    {
        [LoggerMessage(EventId = LogEvents.BrokerInput.Malformed, Level = LogLevel.Warning, Message = "rejected: 417 malformed message from exchange {Exchange} topic {Topic}: {Reason}")]
        public static partial void Malformed(ILogger logger, string exchange, string topic, string reason);
    }
}
