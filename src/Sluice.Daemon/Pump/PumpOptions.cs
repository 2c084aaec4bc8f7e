using System.Net;
using Sluice.Brokers.Mqtt;

namespace Sluice.Daemon.Pump;

/// <summary>What the pump's own servers are: the embedded MQTT broker, the http data server, or both.</summary>
public sealed record PumpOptions
{
    /// <summary>Where the embedded MQTT broker listens; null runs none.</summary>
    public IPEndPoint? Broker { get; init; }

    /// <summary>The broker's users with their sr3 roles and passwords.</summary>
    public IReadOnlyList<PumpUser> Users { get; init; } = [];

    /// <summary>The data tree the data server serves (the flows' <c>post_baseDir</c>).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Where the http data server listens; null runs none.</summary>
    public IPEndPoint? DataServer { get; init; }

    /// <summary>
    /// <c>dataServerWrite on</c>: the users with role source, feeder or admin may write to the data tree over http
    /// (PUT, DELETE, MOVE, MKCOL with their broker password); reads stay open to all, writes are never anonymous.
    /// </summary>
    public bool DataServerWrite { get; init; }

    /// <summary>Where the broker keeps its retained messages across restarts.</summary>
    public required string StateDirectory { get; init; }
}
