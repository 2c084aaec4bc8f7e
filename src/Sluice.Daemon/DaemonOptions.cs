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

    /// <summary>The file a running daemon holds locked (the kernel lets go of it when the process dies, however it dies).</summary>
    public string LockFile => Path.Combine(StateDirectory, "sluice.lock");

    /// <summary>How long a starting daemon waits for the lock of one that is still dying (a killed process is torn down for a moment).</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(15);

    public string SocketPath => Path.Combine(StateDirectory, "sluice.sock");
}
