using Sluice.Core.Flows;

namespace Sluice.Daemon.Supervision;

/// <summary>The state of one instance of a supervised flow.</summary>
internal enum FlowState
{
    Stopped,
    Starting,
    Running,

    /// <summary>It failed and is waiting to be restarted (with backoff).</summary>
    Restarting,

    /// <summary>
    /// It cannot run: a configuration error (not restarted until fixed), or the broker refuses what the configuration
    /// asks (asked again now and then, so it starts once the broker or the configuration is fixed).
    /// </summary>
    Failed,

    /// <summary>It finished by itself (a one-shot post, messageCountMax).</summary>
    Finished,
}

/// <summary>
/// The states <c>sluice status</c> shows per configuration, and how they follow from the instances' states and
/// counters. The first that applies wins, in the order of <see cref="Of"/>.
/// </summary>
public static class RunStates
{
    public const string Failed = "failed";
    public const string Disabled = "disabled";
    public const string Stopped = "stopped";
    public const string Finished = "finished";
    public const string Restarting = "restarting";
    public const string Partial = "partial";
    public const string Hung = "hung";
    public const string Waiting = "waiting";

    /// <summary>Waiting because another node holds the <c>vip</c> (sr3's <c>wVip</c>).</summary>
    public const string WaitingForVip = "wVip";
    public const string Lagging = "lagging";
    public const string Retrying = "retrying";
    public const string Idle = "idle";
    public const string Running = "running";

    /// <summary>One instance as the state rules see it: its state and, while it runs, its flow's counters.</summary>
    internal readonly record struct InstanceView(FlowState State, FlowMetrics? Metrics);

    /// <summary>The configuration's state at <paramref name="now"/>.</summary>
    internal static string Of(IReadOnlyList<InstanceView> instances, RunStateThresholds thresholds, DateTimeOffset now, bool configurationError = false)
    {
        if (configurationError || instances.Any(i => i.State == FlowState.Failed))
        {
            return Failed;
        }

        var running = instances.Where(i => i.State == FlowState.Running && i.Metrics is not null).Select(i => i.Metrics!).ToList();
        if (running.Count == 0)
        {
            // A service (a pump) runs without flow counters.
            if (instances.Any(i => i.State == FlowState.Running))
            {
                return Running;
            }

            if (instances.Any(i => i.State is FlowState.Restarting or FlowState.Starting))
            {
                return Restarting;
            }

            return instances.Count > 0 && instances.All(i => i.State == FlowState.Finished) ? Finished : Stopped;
        }

        if (running.Count < instances.Count && !instances.All(i => i.State is FlowState.Running or FlowState.Starting))
        {
            return Partial;
        }

        if (running.Any(m => IsHung(m, thresholds, now)))
        {
            return Hung;
        }

        if (running.FirstOrDefault(m => m.Waiting is not null) is { } waiting)
        {
            // sr3's name for a poll whose vip is held by another node.
            return waiting.Waiting == "vip" ? WaitingForVip : Waiting;
        }

        var idle = running.All(m => now - (m.LastReceived ?? m.Started ?? now) > thresholds.Idle);
        if (!idle && running.Any(m => m.LastReceived is not null && m.Lag > thresholds.Lag))
        {
            return Lagging;
        }

        if (running.Sum(m => m.RetryQueued) > thresholds.Retry)
        {
            return Retrying;
        }

        return idle ? Idle : Running;
    }

    /// <summary>Work pending with no progress for longer than the threshold, or a gather loop that stopped going round.</summary>
    internal static bool IsHung(FlowMetrics metrics, RunStateThresholds thresholds, DateTimeOffset now)
    {
        if (metrics.InFlight > 0 && now - (metrics.LastProgress ?? now) > thresholds.Hung)
        {
            return true;
        }

        return metrics.LastTick is { } tick && now - tick > thresholds.Hung;
    }
}
