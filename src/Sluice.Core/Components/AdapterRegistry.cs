using Sluice.Core.Brokers;
using Sluice.Core.Transfers;

namespace Sluice.Core.Components;

/// <summary>
/// The broker and transfer adapters a flow may use, by URL scheme. Whoever builds flows makes one and passes it down
/// (the daemon and the command line use <c>Sluice.Daemon.Adapters.Create()</c>, which has every adapter); nothing
/// reads a process-wide registry, so two registries in one process do not see each other's adapters.
/// </summary>
public sealed class AdapterRegistry(BrokerRegistry brokers, TransferRegistry transfers)
{
    public BrokerRegistry Brokers { get; } = brokers ?? throw new ArgumentNullException(nameof(brokers));

    public TransferRegistry Transfers { get; } = transfers ?? throw new ArgumentNullException(nameof(transfers));

    /// <summary>A new registry with Core's own adapters only: the file, http and https transfers, no broker.</summary>
    public static AdapterRegistry CreateCore() => new(new BrokerRegistry(), TransferRegistry.CreateDefault());
}
