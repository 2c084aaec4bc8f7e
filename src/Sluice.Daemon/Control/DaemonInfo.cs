using Sluice.Daemon.Supervision;

namespace Sluice.Daemon.Control;

/// <summary>What <c>GET /status</c> returns: the daemon and each flow.</summary>
public sealed record DaemonInfo(int Pid, string Version, DateTimeOffset Started, long MemoryBytes, IReadOnlyList<FlowStatus> Flows);

/// <summary>A flow <c>POST /sanity</c> restarted, and why (<c>hung</c>, <c>missing instances</c>).</summary>
public sealed record SanityRestart(string Flow, string Reason);
