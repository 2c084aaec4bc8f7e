namespace Sluice.Core.Flows;

/// <summary>A flow's counters, read by <c>sluice status</c> and the metrics exporter. Thread-safe.</summary>
public sealed class FlowMetrics
{
    private long _received;
    private long _accepted;
    private long _rejected;
    private long _duplicates;
    private long _workOk;
    private long _workFailed;
    private long _posted;
    private long _acknowledged;
    private long _givenUp;
    private long _retryQueued;
    private long _bytes;
    private long _lagMilliseconds;
    private long _inFlight;
    private long _started;
    private long _lastReceived;
    private long _lastProgress;
    private long _lastTick;
    private volatile string? _waiting;

    public long Received => Interlocked.Read(ref _received);

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long WorkOk => Interlocked.Read(ref _workOk);

    public long WorkFailed => Interlocked.Read(ref _workFailed);

    public long Posted => Interlocked.Read(ref _posted);

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Messages whose retries ran out.</summary>
    public long GivenUp => Interlocked.Read(ref _givenUp);

    /// <summary>Messages waiting in the retry queues.</summary>
    public long RetryQueued => Interlocked.Read(ref _retryQueued);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The last message's lag (now minus pubTime).</summary>
    public TimeSpan Lag => TimeSpan.FromMilliseconds(Interlocked.Read(ref _lagMilliseconds));

    /// <summary>Messages accepted for work whose work and post are not yet done.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>When the flow started running.</summary>
    public DateTimeOffset? Started => Read(ref _started);

    /// <summary>When the flow last received a message.</summary>
    public DateTimeOffset? LastReceived => Read(ref _lastReceived);

    /// <summary>When a message last finished a stage (filtered, worked, posted).</summary>
    public DateTimeOffset? LastProgress => Read(ref _lastProgress);

    /// <summary>When the flow's gather loop last went round (it does at least every <c>ReceiveWait</c> while healthy).</summary>
    public DateTimeOffset? LastTick => Read(ref _lastTick);

    /// <summary>What the flow is waiting for instead of working (sr3's <c>wVip</c>: <c>vip</c>), or null.</summary>
    public string? Waiting => _waiting;

    /// <summary>Says the flow is waiting (for a vip, say) rather than working; null when it works again.</summary>
    public void SetWaiting(string? reason) => _waiting = reason;

    internal void MarkStarted(DateTimeOffset now)
    {
        Write(ref _started, now);
        Write(ref _lastProgress, now);
        Write(ref _lastTick, now);
    }

    internal void MarkReceived(DateTimeOffset now) => Write(ref _lastReceived, now);

    internal void MarkProgress(DateTimeOffset now) => Write(ref _lastProgress, now);

    internal void MarkTick(DateTimeOffset now) => Write(ref _lastTick, now);

    internal void AddInFlight(long n) => Interlocked.Add(ref _inFlight, n);

    internal void AddReceived(long n) => Interlocked.Add(ref _received, n);

    internal void AddAccepted(long n) => Interlocked.Add(ref _accepted, n);

    internal void AddRejected(long n) => Interlocked.Add(ref _rejected, n);

    internal void AddDuplicate() => Interlocked.Increment(ref _duplicates);

    internal void AddWorkOk(long bytes)
    {
        Interlocked.Increment(ref _workOk);
        Interlocked.Add(ref _bytes, bytes);
    }

    internal void AddWorkFailed() => Interlocked.Increment(ref _workFailed);

    internal void AddPosted(long n) => Interlocked.Add(ref _posted, n);

    internal void AddAcknowledged(long n) => Interlocked.Add(ref _acknowledged, n);

    internal void AddGivenUp() => Interlocked.Increment(ref _givenUp);

    internal void SetRetryQueued(long n) => Interlocked.Exchange(ref _retryQueued, n);

    internal void SetLag(TimeSpan lag) => Interlocked.Exchange(ref _lagMilliseconds, (long)lag.TotalMilliseconds);

    private static DateTimeOffset? Read(ref long ticks) => Interlocked.Read(ref ticks) is var t && t == 0 ? null : new DateTimeOffset(t, TimeSpan.Zero);

    private static void Write(ref long ticks, DateTimeOffset time) => Interlocked.Exchange(ref ticks, time.UtcTicks);
}
