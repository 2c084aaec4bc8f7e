using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Sluice.Daemon.DataServer;

/// <summary>How the pump's HTTP data server serves its data directory.</summary>
public sealed record DataServerOptions
{
    /// <summary>The directory tree served; nothing outside it is ever served.</summary>
    public required string Root { get; init; }

    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 asks the system for a free one (see <see cref="DataServer.Port"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>When not empty, every request needs HTTP basic authentication as one of these users (user → password).</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>();

    /// <summary>Bearer tokens accepted instead of a user and password (<c>Authorization: Bearer ...</c>); enables authentication too.</summary>
    public IReadOnlySet<string> BearerTokens { get; init; } = new HashSet<string>();

    /// <summary>
    /// The users (of <see cref="Users"/>) who may write: PUT, DELETE, MOVE and MKCOL. Everyone else is refused
    /// writes (401 without credentials, 403 with a reader's); bearer tokens read only.
    /// </summary>
    public IReadOnlySet<string> Writers { get; init; } = new HashSet<string>();

    /// <summary>GET and HEAD need no credentials even when <see cref="Users"/> is set (writes always do).</summary>
    public bool AnonymousRead { get; init; }

    /// <summary>Serve https with this certificate (with private key) instead of http.</summary>
    public X509Certificate2? Certificate { get; init; }
}
