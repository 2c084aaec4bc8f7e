using Sluice.Daemon.Supervision;

namespace Sluice.Daemon;

/// <summary>The flows the daemon should run: every enabled configuration, read anew on each call.</summary>
public interface IFlowCatalog
{
    IReadOnlyList<FlowDefinition> Load();
}
