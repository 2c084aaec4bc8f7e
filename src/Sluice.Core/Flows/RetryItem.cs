using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

/// <summary>A message waiting in a retry queue: how often it failed, and when it first did.</summary>
internal sealed record RetryItem(NotificationMessage Message, int Failures, DateTimeOffset FirstFailure);
