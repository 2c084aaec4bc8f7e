using System.Net;

namespace Sluice.Brokers.Mqtt;

/// <summary>Where the embedded broker listens, who may use it, and where it keeps its retained messages.</summary>
public sealed record EmbeddedBrokerOptions
{
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    public required int Port { get; init; }

    public IReadOnlyList<PumpUser> Users { get; init; } = [];

    /// <summary>Let clients without a user name in, as subscribers reading <c>*public</c> exchanges only.</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Where retained messages are kept across restarts; null keeps them in memory.</summary>
    public string? StateDirectory { get; init; }
}
