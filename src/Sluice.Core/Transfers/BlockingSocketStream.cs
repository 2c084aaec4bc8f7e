using System.Net.Sockets;

namespace Sluice.Core.Transfers;

/// <summary>
/// A connection's stream whose reads and writes block the calling thread, for <see cref="HttpTransfer"/>'s large
/// downloads, which run on a thread of their own. The runtime's asynchronous sockets hand every wait for data from
/// the epoll thread to a thread-pool thread; on one stream of a large file those hand-offs (and the pool's spinning
/// between them) cost more CPU than the copy itself: 4.5-6 s of CPU for 2 GiB against 2-2.5 s with blocking reads
/// (docs/performance.md). The socket is connected and used only synchronously, so it is never registered with epoll.
/// The client registers its cancellation only around reads that did not complete at once, which a blocking read
/// always does: a read of the body is therefore made through <see cref="Interruptible"/>, which hands the reader's
/// token (its timeout and stop request) to the blocked read on this thread; cancelling it disposes the socket, which
/// unblocks the read. Before the body, the client's own cancellation does the same. <see cref="Socket.ReceiveTimeout"/>
/// is a backstop.
/// </summary>
internal sealed class BlockingSocketStream(Socket socket) : NetworkStream(socket, ownsSocket: true)
{
    [ThreadStatic]
    private static CancellationToken _interruption;

    /// <summary>A response body whose reads hand their token to the <see cref="BlockingSocketStream"/> read under them.</summary>
    public static Stream Interruptible(Stream body) => new InterruptibleReads(body);

    /// <summary>
    /// A destination whose asynchronous writes are waited for on the writing thread (a <c>byteRateMax</c> pause), so
    /// that a download on a thread of its own stays there rather than going on, blocking, on a thread-pool thread.
    /// </summary>
    public static Stream WaitingWrites(Stream destination) => new WaitingWritesStream(destination);

    /// <summary>Connects synchronously to <paramref name="endpoint"/>, giving up when <paramref name="cancellationToken"/> is cancelled.</summary>
    public static BlockingSocketStream Connect(System.Net.DnsEndPoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        // Twice the timeout: the client's own timeout (which names what timed out) comes first.
        var milliseconds = timeout == Timeout.InfiniteTimeSpan ? 0 : (int)Math.Clamp(2 * timeout.TotalMilliseconds, 1, int.MaxValue);
        socket.ReceiveTimeout = milliseconds;
        socket.SendTimeout = milliseconds;
        try
        {
            using (cancellationToken.Register(static s => ((Socket)s!).Dispose(), socket))
            {
                socket.Connect(endpoint);
            }

            cancellationToken.ThrowIfCancellationRequested();
            return new BlockingSocketStream(socket);
        }
        catch
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var interruption = _interruption;
        if (!interruption.CanBeCanceled)
        {
            return Receive(buffer);
        }

        using (interruption.UnsafeRegister(static s => ((Socket)s!).Dispose(), Socket))
        {
            try
            {
                return Receive(buffer);
            }
            catch (Exception e) when (interruption.IsCancellationRequested)
            {
                throw new OperationCanceledException("the read was interrupted", e, interruption);
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var sent = Socket.Send(buffer, SocketFlags.None, out var error);
            if (error != SocketError.Success)
            {
                throw new IOException($"send failed: {error}", new SocketException((int)error));
            }

            buffer = buffer[sent..];
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        try
        {
            return ValueTask.FromResult(Read(buffer.Span));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return ValueTask.FromException(cancellationToken.IsCancellationRequested ? new OperationCanceledException(cancellationToken) : e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private int Receive(Span<byte> buffer)
    {
        var read = Socket.Receive(buffer, SocketFlags.None, out var error);
        return error == SocketError.Success ? read : throw new IOException($"receive failed: {error}", new SocketException((int)error));
    }

    private sealed class WaitingWritesStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var write = inner.WriteAsync(buffer, cancellationToken);
            if (!write.IsCompletedSuccessfully)
            {
                write.AsTask().GetAwaiter().GetResult();
            }

            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Sets the thread's interruption token around each read of the body it wraps.</summary>
    private sealed class InterruptibleReads(Stream body) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => body.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var previous = _interruption;
            _interruption = cancellationToken;
            try
            {
                // Completes before it returns: the stream under it blocks.
                return body.ReadAsync(buffer, cancellationToken);
            }
            finally
            {
                _interruption = previous;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                body.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await body.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
