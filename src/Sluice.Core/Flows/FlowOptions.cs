using Sluice.Core.Config;
namespace Sluice.Core.Flows;

/// <summary>
/// What the flow engine needs to know, derived from a flow's configuration. Names follow sr3's options.
/// </summary>
internal sealed record FlowOptions
{
    /// <summary><c>component/config</c>, as in log lines and status.</summary>
    public required string Name { get; init; }

    /// <summary>The instance number (1-based), as in log file names.</summary>
    public int Instance { get; init; } = 1;

    /// <summary>Messages handled together (<c>batch</c>).</summary>
    public int Batch { get; init; } = Defaults.Batch;

    /// <summary>
    /// Messages of work in progress at once (downloads, sends) in one instance; also the most connections the work
    /// opens to one server.
    /// </summary>
    public int Concurrency { get; init; } = Defaults.Concurrency;

    /// <summary>Stop after this many messages (<c>messageCountMax</c>); 0: never.</summary>
    public long MessageCountMax { get; init; }

    /// <summary>Reject messages older than this (<c>messageAgeMax</c>); zero: no limit.</summary>
    public TimeSpan MessageAgeMax { get; init; }

    /// <summary>Duplicate suppression (<c>nodupe_ttl</c>); zero: off.</summary>
    public TimeSpan NoDupeTtl { get; init; }

    public NoDupeBasis NoDupeBasis { get; init; } = NoDupeBasis.Path;

    /// <summary>In-line tries of a message's work before it goes to the retry queue (<c>attempts</c>).</summary>
    public int Attempts { get; init; } = Defaults.Attempts;

    /// <summary>How long a message may stay in the retry queue (<c>retry_ttl</c>); zero: forever.</summary>
    public TimeSpan RetryTtl { get; init; } = Defaults.RetryTtl;

    /// <summary>The most failures before a message is given up (<c>retryCountMax</c>); 0: no limit.</summary>
    public int RetryCountMax { get; init; }

    /// <summary>How often the retry queue is tried when there is no new data.</summary>
    public TimeSpan RetryInterval { get; init; } = Defaults.RetryInterval;

    /// <summary>The housekeeping interval (<c>housekeeping</c>).</summary>
    public TimeSpan Housekeeping { get; init; } = Defaults.Housekeeping;

    /// <summary>Most messages per second (<c>messageRateMax</c>); 0: no limit.</summary>
    public double MessageRateMax { get; init; }

    /// <summary>Where the flow keeps its state (nodupe journal, retry queues); null: in memory only.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Log each rejected message at info (<c>logReject</c>); otherwise at debug, as sr3 does.</summary>
    public bool LogReject { get; init; }

    /// <summary>Emit report messages (<c>report</c>).</summary>
    public bool Report { get; init; }

    /// <summary>Who did the work (<c>host</c>, <c>user</c>), added to each report so a source sees who took its files.</summary>
    public IReadOnlyList<Messages.Header>? ReportBy { get; init; }

    /// <summary>The verb of the work in <c>after_work</c> log lines: downloaded, sent.</summary>
    public string WorkVerb { get; init; } = "downloaded";

    /// <summary>How long a receive waits for messages before the flow looks at its retry queue.</summary>
    public TimeSpan ReceiveWait { get; init; } = Defaults.ReceiveWait;
}
