using System.Security.Cryptography;

namespace Sluice.Core.Work;

/// <summary>
/// A write-only stream that hashes what passes through it into an inner stream: a local file. Its writes go to the
/// page cache and are done in place, also when called asynchronously: an asynchronous file write on Unix is the same
/// write on a thread-pool thread, one hop more per buffer. It holds the writes to <paramref name="rateLimit"/>
/// (<c>byteRateMax</c>) when there is one.
/// </summary>
internal sealed class HashingStream(Stream inner, IncrementalHash? hash, ByteRateLimiter? rateLimit = null) : Stream
{
    public long Written { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        inner.Flush();
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        WriteThrough(buffer);
        rateLimit?.WaitAsync(buffer.Length, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            WriteThrough(buffer.Span);
        }
        catch (IOException e)
        {
            return ValueTask.FromException(e);
        }

        return rateLimit is null ? ValueTask.CompletedTask : rateLimit.WaitAsync(buffer.Length, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void WriteThrough(ReadOnlySpan<byte> buffer)
    {
        hash?.AppendData(buffer);
        inner.Write(buffer);
        Written += buffer.Length;
    }
}
