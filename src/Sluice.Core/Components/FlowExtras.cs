using Sluice.Core.Flows;

namespace Sluice.Core.Components;

/// <summary>What a caller adds to a flow built from settings: callbacks of its own, an output instead of the broker, more to own.</summary>
internal sealed record FlowExtras
{
    /// <summary>Callbacks after the configuration's (a progress counter, for instance).</summary>
    public IReadOnlyList<IFlowCallback> Callbacks { get; init; } = [];

    /// <summary>Where to post instead of <c>post_broker</c> (<c>sluice post</c> printing messages); the flow owns it.</summary>
    public IFlowOutput? Output { get; init; }

    /// <summary>Disposed by the flow after its own resources (the instance's log).</summary>
    public IReadOnlyList<IAsyncDisposable> Owned { get; init; } = [];
}
