namespace Sluice.Daemon.Supervision;

/// <summary>One flow's status, as the control API returns it and <c>sluice status</c> shows it.</summary>
public sealed record FlowStatus
{
    public required string Name { get; init; }

    public required string State { get; init; }

    public int InstancesRunning { get; init; }

    public int Instances { get; init; }

    public long Received { get; init; }

    public long Accepted { get; init; }

    public long Rejected { get; init; }

    public long Duplicates { get; init; }

    public long Ok { get; init; }

    public long Failed { get; init; }

    public long Posted { get; init; }

    public long Bytes { get; init; }

    public long RetryQueued { get; init; }

    /// <summary>Messages accepted whose work and post are not done yet.</summary>
    public long InFlight { get; init; }

    public double LagSeconds { get; init; }

    public double MessagesPerSecond { get; init; }

    public double BytesPerSecond { get; init; }

    /// <summary>Seconds since the last message was received (null: none yet).</summary>
    public double? LastReceivedSecondsAgo { get; init; }

    /// <summary>What the flow waits for instead of working (<c>vip</c>), when its state is <c>waiting</c>.</summary>
    public string? Waiting { get; init; }

    public int Restarts { get; init; }

    public string? LastError { get; init; }
}
