namespace Sluice.Core.Work;

/// <summary>
/// sr3's <c>byteRateMax</c>: holds the bytes copied by every transfer of a flow instance to at most
/// <see cref="BytesPerSecond"/>. Each copied chunk is booked on a schedule (sr3 sleeps until the bytes so far,
/// divided by the rate, have had their time); concurrent downloads share the one schedule. An idle spell does not
/// save up credit for a later burst.
/// </summary>
internal sealed class ByteRateLimiter
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private DateTimeOffset _due = DateTimeOffset.MinValue;
    private long _bytes;
    private TimeSpan _waited;

    public ByteRateLimiter(long bytesPerSecond, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        BytesPerSecond = bytesPerSecond;
        _time = time ?? TimeProvider.System;
    }

    public long BytesPerSecond { get; }

    /// <summary>The bytes booked so far.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The total of the waits handed out so far.</summary>
    public TimeSpan Waited
    {
        get
        {
            lock (_lock)
            {
                return _waited;
            }
        }
    }

    /// <summary>When the bytes booked so far have had their time at the rate.</summary>
    internal DateTimeOffset Due
    {
        get
        {
            lock (_lock)
            {
                return _due;
            }
        }
    }

    /// <summary>Books <paramref name="bytes"/> just copied and returns how long the copier must wait before it goes on.</summary>
    public TimeSpan Book(long bytes) => Booking(bytes).Wait;

    private (TimeSpan Wait, DateTimeOffset Due) Booking(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var start = _due > now ? _due : now;
            _due = start + TimeSpan.FromSeconds((double)bytes / BytesPerSecond);
            _bytes += bytes;
            var wait = _due - now;
            _waited += wait;
            return (wait, _due);
        }
    }

    /// <summary>Books <paramref name="bytes"/> and waits (on the flow's <see cref="TimeProvider"/>) until they are within the rate.</summary>
    public async ValueTask WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        // Until the booked instant, counted from when the wait starts: time may have moved since the booking.
        var remaining = Booking(bytes).Due - _time.GetUtcNow();
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
