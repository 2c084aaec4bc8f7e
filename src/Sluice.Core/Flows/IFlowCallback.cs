using Microsoft.Extensions.Logging;

namespace Sluice.Core.Flows;

/// <summary>
/// sr3's flow callback entry points. Built-in callbacks are chosen by name in configuration
/// (<c>callback name</c>); each implements only the entry points it needs.
/// </summary>
public interface IFlowCallback
{
    /// <summary>The name used in configuration.</summary>
    string Name { get; }

    /// <summary>When the flow is made: the flow's log and clock, for callbacks that log or wait.</summary>
    void Attach(ILogger logger, TimeProvider time)
    {
    }

    /// <summary>When the flow starts.</summary>
    ValueTask OnStartAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>After accept/reject and nodupe: may move messages from Incoming to Rejected.</summary>
    ValueTask AfterAcceptAsync(Worklist worklist, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>After the work (download, send): may move messages from Ok to Failed or Rejected.</summary>
    ValueTask AfterWorkAsync(Worklist worklist, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>After the Ok messages were posted.</summary>
    ValueTask AfterPostAsync(Worklist worklist, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Periodically, at <c>housekeeping</c>.</summary>
    ValueTask OnHousekeepingAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>When the flow stops.</summary>
    ValueTask OnStopAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>A different local name for a message's file, or null to leave it.</summary>
    string? DestinationFileName(FlowMessage message) => null;
}
