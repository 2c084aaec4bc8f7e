using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Sluice.Daemon.DataServer;

/// <summary>The pump's HTTP data server: which tree, where it listens, who may read it.</summary>
public sealed record DataServerOptions
{
    /// <summary>The data tree served (the pump's <c>post_baseDir</c>).</summary>
    public required string Root { get; init; }

    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>The port; 0 asks the OS for a free one (see <see cref="PumpDataServer.BaseUrl"/>).</summary>
    public int Port { get; init; }

    /// <summary>When not empty, readers must authenticate (HTTP basic) as one of these users.</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    /// <summary>Serve https with this certificate.</summary>
    public X509Certificate2? Certificate { get; init; }
}
