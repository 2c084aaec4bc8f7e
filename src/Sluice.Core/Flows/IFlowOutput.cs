using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

/// <summary>Where a flow posts its messages (a broker exchange in some format).</summary>
internal interface IFlowOutput : IAsyncDisposable
{
    /// <summary>Publishes the messages; returns once the broker has confirmed all of them.</summary>
    /// <exception cref="SluiceException">They could not be published (the flow queues them for retry).</exception>
    ValueTask PublishAsync(IReadOnlyList<NotificationMessage> messages, CancellationToken cancellationToken);
}
