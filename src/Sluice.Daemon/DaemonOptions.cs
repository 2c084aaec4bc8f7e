using System.Net;

namespace Sluice.Daemon;

/// <summary>Where the daemon keeps its pid file and control socket, and an optional loopback HTTP port.</summary>
public sealed record DaemonOptions
{
    /// <summary>The state directory (<c>~/.cache/sluice</c> or <c>$SLUICE_STATE_DIR</c>).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>The control API on loopback HTTP too (<c>--http 127.0.0.1:PORT</c>).</summary>
    public IPEndPoint? Http { get; init; }

    /// <summary>How long stopping waits for in-flight work.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string PidFile => Path.Combine(StateDirectory, "sluice.pid");

    public string SocketPath => Path.Combine(StateDirectory, "sluice.sock");
}
