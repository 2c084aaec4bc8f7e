namespace Sluice.Daemon.Supervision;

/// <summary>The state of a supervised flow, as <c>sluice status</c> shows it.</summary>
public enum FlowState
{
    Stopped,
    Starting,
    Running,

    /// <summary>It failed and is waiting to be restarted (with backoff).</summary>
    Restarting,

    /// <summary>It cannot run (a configuration error); it will not be restarted until fixed.</summary>
    Failed,

    /// <summary>It finished by itself (a one-shot post, messageCountMax).</summary>
    Finished,
}
