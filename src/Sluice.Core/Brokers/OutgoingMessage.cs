using Sluice.Core.Formats;

namespace Sluice.Core.Brokers;

/// <summary>A message to publish on an exchange.</summary>
public sealed record OutgoingMessage(string Exchange, WireMessage Wire);
