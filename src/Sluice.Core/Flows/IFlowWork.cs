namespace Sluice.Core.Flows;

/// <summary>The work of a flow on one message: download it, send it, or nothing (shovel, winnow).</summary>
internal interface IFlowWork
{
    /// <summary>
    /// Does the work. Sets <see cref="FlowMessage.Code"/> and <see cref="FlowMessage.Reason"/> on failure.
    /// Exceptions are failures to retry.
    /// </summary>
    ValueTask<WorkOutcome> DoAsync(FlowMessage item, CancellationToken cancellationToken);
}
