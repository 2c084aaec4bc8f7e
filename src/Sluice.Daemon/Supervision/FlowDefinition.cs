using Sluice.Core.Flows;

namespace Sluice.Daemon.Supervision;

/// <summary>
/// A flow the daemon can run: its name (<c>component/config</c>), how many instances, and how to build an
/// instance. <see cref="Error"/> is set instead when its configuration is broken (<c>file:line: message</c>).
/// A pump's servers are a <see cref="Service"/> instead of a flow.
/// </summary>
public sealed record FlowDefinition(string Name, int Instances, Func<int, CancellationToken, Task<Flow>>? Create)
{
    /// <summary>Why the flow cannot run, when its configuration has errors.</summary>
    public string? Error { get; init; }

    /// <summary>
    /// Instead of a flow, servers the daemon hosts (a pump's broker and data server): started by this, held until the
    /// definition is stopped, then disposed. Services start before flows, and stop after them.
    /// </summary>
    public Func<CancellationToken, Task<IAsyncDisposable>>? Service { get; init; }

    /// <summary>A fingerprint of the configuration, so a reload restarts only what changed.</summary>
    public string Fingerprint { get; init; } = string.Empty;

    /// <summary>When the flow counts as hung, idle, lagging or retrying (<c>runStateThreshold_*</c>).</summary>
    internal RunStateThresholds Thresholds { get; init; } = RunStateThresholds.Default;
}
