using Sluice.Core.Config;

namespace Sluice.Daemon.Supervision;

/// <summary>
/// When a running flow counts as hung, idle, lagging or retrying: sr3's <c>runStateThreshold_*</c> options, with
/// sr3's defaults (except <c>retry</c>: any message waiting for a retry shows).
/// </summary>
internal sealed record RunStateThresholds
{
    /// <summary><c>runStateThreshold_hung</c>: no progress for this long while work is pending, or the gather loop stopped.</summary>
    public TimeSpan Hung { get; init; } = TimeSpan.FromSeconds(450);

    /// <summary><c>runStateThreshold_idle</c>: nothing received for this long.</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(900);

    /// <summary><c>runStateThreshold_lag</c>: the last message was older than this (now minus pubTime) when it arrived.</summary>
    public TimeSpan Lag { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>runStateThreshold_retry</c>: more messages than this in the retry queues.</summary>
    public long Retry { get; init; }

    public static RunStateThresholds Default { get; } = new();

    /// <summary>The thresholds a configuration sets.</summary>
    public static RunStateThresholds From(FlowConfig config) => new()
    {
        Hung = Positive(config.Duration("runStateThreshold_hung"), Default.Hung),
        Idle = Positive(config.Duration("runStateThreshold_idle"), Default.Idle),
        Lag = Positive(config.Duration("runStateThreshold_lag"), Default.Lag),
        Retry = Math.Max(0, config.Count("runStateThreshold_retry", Default.Retry)),
    };

    private static TimeSpan Positive(TimeSpan value, TimeSpan fallback) => value > TimeSpan.Zero ? value : fallback;
}
