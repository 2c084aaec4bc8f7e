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
    private volatile bool _waitingForVip;

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

    /// <summary>True while the flow's input waits for its <c>vip</c>, held by another node (sr3's <c>wVip</c>).</summary>
    public bool WaitingForVip
    {
        get => _waitingForVip;
        internal set => _waitingForVip = value;
    }

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
}
