using System.Security.Cryptography;

namespace Sluice.Core.Transfers;

/// <summary>
/// A write-only stream that hashes what passes through it into an inner stream, and holds the writes to
/// <paramref name="rateLimit"/> (<c>byteRateMax</c>) when there is one.
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

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        hash?.AppendData(buffer, offset, count);
        inner.Write(buffer, offset, count);
        Written += count;
        rateLimit?.WaitAsync(count, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        hash?.AppendData(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Written += buffer.Length;
        if (rateLimit is not null)
        {
            await rateLimit.WaitAsync(buffer.Length, cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
