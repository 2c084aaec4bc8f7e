using Sluice.Core.Formats;

namespace Sluice.Core.Brokers;

/// <summary>A message as received from a broker: the exchange it came through, the wire message and its ack token.</summary>
/// <remarks>The body is a copy owned by the receiver (broker buffers are not kept past the receive handler).</remarks>
public sealed record ReceivedMessage(string Exchange, WireMessage Wire, object AckToken, bool Redelivered);
