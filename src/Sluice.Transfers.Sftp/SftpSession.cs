using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace Sluice.Transfers.Sftp;

/// <summary>
/// The sftp protocol (version 3, as OpenSSH speaks it) over one <see cref="SubsystemChannel"/>, serving one operation
/// at a time (<see cref="SftpTransfer"/> gives each concurrent operation a session of its own, as the server serves
/// each session's requests one after the other anyway).
/// </summary>
/// <remarks>
/// Packets are put together on SSH.NET's receive thread and handed over whole; the operation waits for them with a
/// timeout on each wait, so a silent server fails the operation instead of holding it. Downloads and uploads keep up
/// to <see cref="Window"/> bytes of requests outstanding, in requests of the largest size the server accepts
/// (<c>limits@openssh.com</c>; 32 KiB, the protocol's guaranteed size, without it). A session whose requests and
/// answers may have gone out of step (a cancelled or failed transfer, a malformed packet, a closed channel) is
/// <see cref="IsBroken"/> and must not be used again.
/// </remarks>
internal sealed class SftpSession : IDisposable
{
    /// <summary>The most bytes of read or write requests outstanding in one transfer.</summary>
    internal const int Window = 4 * 1024 * 1024;

    /// <summary>The largest packet accepted from a server; anything longer means the stream is out of step.</summary>
    private const int PacketMax = 4 * 1024 * 1024;

    /// <summary>The largest read or write request sent, whatever the server allows.</summary>
    private const int RequestMax = 256 * 1024;

    private readonly Channel<SftpPacket> _packets = Channel.CreateUnbounded<SftpPacket>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TimeSpan _timeout;
    private readonly byte[] _header = new byte[4];
    private SubsystemChannel? _channel;
    private int _headerFilled;
    private byte[]? _body;
    private int _bodyLength;
    private int _bodyFilled;
    private uint _lastId;
    private volatile bool _broken;

    private SftpSession(TimeSpan timeout) => _timeout = timeout;

    /// <summary>True once the session cannot be trusted for another request.</summary>
    public bool IsBroken => _broken;

    /// <summary>The size of each read request.</summary>
    public int ReadLength { get; private set; } = 32 * 1024;

    /// <summary>The size of each write request's data.</summary>
    public int WriteLength { get; private set; } = 32 * 1024;

    /// <summary>Whether the server renames over an existing file at once (<c>posix-rename@openssh.com</c>).</summary>
    public bool HasPosixRename { get; private set; }

    /// <summary>Starts sftp on <paramref name="client"/>'s connection, with requests of at most <paramref name="bufSize"/> bytes.</summary>
    public static async Task<SftpSession> StartAsync(SshClient client, TimeSpan timeout, int bufSize, CancellationToken cancellationToken)
    {
        var session = new SftpSession(timeout);
        try
        {
            session._channel = SubsystemChannel.Open(client, "sftp", session.OnReceived, session.Fail);
            var init = new SftpWriter(SftpWire.Init, 16);
            init.UInt32(3);
            session.Send(init);
            using var op = session.Operation(cancellationToken);
            var extensions = new HashSet<string>(StringComparer.Ordinal);
            using (var version = await session.ReceiveAsync(op, "the server's sftp version").ConfigureAwait(false))
            {
                if (version.Type != SftpWire.Version)
                {
                    throw session.OutOfStep($"the server answered sftp's first packet with type {version.Type}");
                }

                var reader = version.Reader(1);
                reader.UInt32();
                while (!reader.AtEnd)
                {
                    extensions.Add(reader.String());
                    reader.Bytes();
                }
            }

            session.HasPosixRename = extensions.Contains("posix-rename@openssh.com");
            var limit = Math.Clamp(bufSize, 4096, RequestMax);
            session.ReadLength = session.WriteLength = Math.Min(limit, 32 * 1024);
            if (extensions.Contains("limits@openssh.com"))
            {
                var request = session.Begin(SftpWire.Extended, 64, out var id);
                request.String("limits@openssh.com");
                session.Send(request);
                using var reply = await session.AnswerAsync(id, op, "limits").ConfigureAwait(false);
                if (reply.Type == SftpWire.ExtendedReply)
                {
                    var reader = reply.Reader();
                    reader.UInt64();
                    var read = reader.UInt64();
                    var write = reader.UInt64();
                    session.ReadLength = read == 0 ? limit : (int)Math.Min((ulong)limit, read);
                    session.WriteLength = write == 0 ? limit : (int)Math.Min((ulong)limit, write);
                }
            }

            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public async Task<byte[]> OpenAsync(string path, uint flags, CancellationToken cancellationToken)
    {
        var request = Begin(SftpWire.Open, 64 + path.Length * 3, out var id);
        request.String(path);
        request.UInt32(flags);
        request.UInt32(0);
        Send(request);
        using var op = Operation(cancellationToken);
        using var answer = await AnswerAsync(id, op, path).ConfigureAwait(false);
        return HandleOf(answer, path);
    }

    /// <summary>
    /// Runs <paramref name="body"/> on the open <paramref name="handle"/>, then closes it (a write's close says whether
    /// the server kept the data). After a failure that left the session in use (a refusal, a local error with nothing
    /// outstanding) the handle is closed too, and the failure thrown.
    /// </summary>
    public async Task<T> UsingHandleAsync<T>(byte[] handle, string path, Func<Task<T>> body, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await body().ConfigureAwait(false);
        }
        catch when (!_broken)
        {
            try
            {
                await CloseAsync(handle, path, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SshException)
            {
                // The session is broken now and will be dropped; the first failure says what went wrong.
            }

            throw;
        }

        await CloseAsync(handle, path, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task CloseAsync(byte[] handle, string path, CancellationToken cancellationToken)
    {
        var request = Begin(SftpWire.Close, 32 + handle.Length, out var id);
        request.Bytes(handle);
        Send(request);
        await StatusAsync(id, path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The attributes of <paramref name="path"/>, or of the link itself with <paramref name="link"/>; null if there is none.</summary>
    public async Task<SftpAttributes?> StatAsync(string path, bool link, CancellationToken cancellationToken)
    {
        var request = Begin(link ? SftpWire.LStat : SftpWire.Stat, 32 + path.Length * 3, out var id);
        request.String(path);
        Send(request);
        using var op = Operation(cancellationToken);
        using var answer = await AnswerAsync(id, op, path).ConfigureAwait(false);
        if (answer.Type == SftpWire.Status && StatusOf(answer).Code == StatusCode.NoSuchFile)
        {
            return null;
        }

        ThrowIfStatus(answer, path);
        return answer.Type == SftpWire.Attrs ? answer.Reader().Attributes() : throw OutOfStep($"stat {path} was answered with type {answer.Type}");
    }

    /// <summary>The entries of a directory (without <c>.</c> and <c>..</c>), as the server lists them: links are not followed.</summary>
    public async Task<List<(string Name, SftpAttributes Attributes)>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var open = Begin(SftpWire.OpenDir, 32 + path.Length * 3, out var id);
        open.String(path);
        Send(open);
        using var op = Operation(cancellationToken);
        byte[] handle;
        using (var answer = await AnswerAsync(id, op, path).ConfigureAwait(false))
        {
            handle = HandleOf(answer, path);
        }

        return await UsingHandleAsync(handle, path, async () =>
        {
            var entries = new List<(string, SftpAttributes)>();
            while (true)
            {
                var read = Begin(SftpWire.ReadDir, 32 + handle.Length, out var readId);
                read.Bytes(handle);
                Send(read);
                using var answer = await AnswerAsync(readId, op, path).ConfigureAwait(false);
                if (answer.Type == SftpWire.Status && StatusOf(answer).Code == StatusCode.Eof)
                {
                    return entries;
                }

                ThrowIfStatus(answer, path);
                if (answer.Type != SftpWire.Name)
                {
                    throw OutOfStep($"listing {path} was answered with type {answer.Type}");
                }

                var reader = answer.Reader();
                for (var count = reader.UInt32(); count > 0; count--)
                {
                    var name = reader.String();
                    reader.Bytes();
                    var attributes = reader.Attributes();
                    if (name is not ("." or ".."))
                    {
                        entries.Add((name, attributes));
                    }
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a request that takes one or two paths and is answered with a status.</summary>
    public async Task PathRequestAsync(byte type, string path, string? second, CancellationToken cancellationToken)
    {
        var request = Begin(type, 48 + (path.Length + (second?.Length ?? 0)) * 3, out var id);
        request.String(path);
        if (second is not null)
        {
            request.String(second);
        }

        if (type == SftpWire.MkDir)
        {
            request.UInt32(0);
        }

        Send(request);
        await StatusAsync(id, path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renames over an existing <paramref name="to"/> at once (<c>posix-rename@openssh.com</c>).</summary>
    public async Task PosixRenameAsync(string from, string to, CancellationToken cancellationToken)
    {
        var request = Begin(SftpWire.Extended, 64 + (from.Length + to.Length) * 3, out var id);
        request.String("posix-rename@openssh.com");
        request.String(from);
        request.String(to);
        Send(request);
        await StatusAsync(id, from, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the open file from <paramref name="offset"/> (to its end, or <paramref name="length"/> bytes) into
    /// <paramref name="destination"/>, in order, with reads kept outstanding. A short read is asked again for the rest,
    /// as the protocol allows a server to return less than asked anywhere in a file.
    /// </summary>
    /// <remarks>
    /// With the <paramref name="announced"/> size, the reads end exactly there and one more read past it finds the
    /// end: a small file takes one round trip of reads. Without it, two reads go first and every full answer lets two
    /// more go, up to <see cref="Window"/>, so a small file does not cost many reads past its end.
    /// </remarks>
    public async Task<long> DownloadAsync(byte[] handle, string path, long offset, long? length, long? announced, Stream destination, string url, CancellationToken cancellationToken)
    {
        var end = length is { } l ? offset + l : long.MaxValue;
        var depth = Math.Clamp(Window / ReadLength, 2, 64);
        var horizon = announced is { } size && size >= offset ? size + 1 : offset + (2L * ReadLength);
        var pending = new List<PendingRead>(depth + 1);
        var next = offset;
        var written = offset;
        var eof = false;
        using var op = Operation(cancellationToken);
        try
        {
            while (true)
            {
                while (!eof && pending.Count < depth && next < end && next < horizon)
                {
                    var count = (int)Math.Min(ReadLength, end - next);
                    if (announced is { } edge && next < edge)
                    {
                        count = (int)Math.Min(count, edge - next);
                    }

                    pending.Add(Read(handle, next, count));
                    next += count;
                }

                if (pending.Count == 0)
                {
                    break;
                }

                var head = pending[0];
                while (head.Answer is null)
                {
                    var packet = await ReceiveAsync(op, $"{path} after {written - offset} bytes").ConfigureAwait(false);
                    var match = pending.Find(p => p.Id == packet.Id && p.Answer is null);
                    if (match is null)
                    {
                        packet.Dispose();
                        throw OutOfStep($"reading {path}: an answer to no request (id {packet.Id})");
                    }

                    match.Answer = packet;
                }

                pending.RemoveAt(0);
                using var answer = head.Answer.Value;
                if (eof)
                {
                    continue; // answers to reads past the end: taken, so the session stays in step
                }

                if (answer.Type == SftpWire.Status)
                {
                    if (StatusOf(answer).Code != StatusCode.Eof)
                    {
                        ThrowIfStatus(answer, path);
                        throw OutOfStep($"reading {path} was answered with an OK status instead of data");
                    }

                    eof = true; // everything after this offset is past the end too
                    continue;
                }

                if (answer.Type != SftpWire.Data)
                {
                    throw OutOfStep($"reading {path} was answered with type {answer.Type}");
                }

                var reader = answer.Reader();
                var count2 = (int)reader.UInt32();
                if (count2 == 0 || count2 > head.Count || reader.Position + count2 > answer.Span.Length)
                {
                    throw OutOfStep($"reading {path}: {count2} bytes in answer to a read of {head.Count}");
                }

                try
                {
                    await destination.WriteAsync(answer.Memory(reader.Position, count2), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw new Core.Transfers.TransferException(url, $"writing the received data failed after {written - offset} bytes: {e.Message}", isTransient: true, e);
                }

                written += count2;
                if (count2 < head.Count)
                {
                    pending.Insert(0, Read(handle, head.Offset + count2, head.Count - count2));
                }
                else if (announced is not { } known || written > known)
                {
                    // Past what was announced (or nothing was): two more reads for each full answer.
                    horizon = Math.Max(horizon, next) + (2L * ReadLength);
                }
            }
        }
        catch
        {
            _broken = true; // reads may still be outstanding
            foreach (var read in pending)
            {
                read.Answer?.Dispose();
            }

            throw;
        }

        return written - offset;
    }

    /// <summary>Writes all of <paramref name="source"/> to the open file, with writes kept outstanding.</summary>
    public async Task<long> UploadAsync(byte[] handle, string path, Stream source, CancellationToken cancellationToken)
    {
        var depth = Math.Clamp(Window / WriteLength, 2, 64);
        var outstanding = new Queue<uint>(depth);
        var buffer = ArrayPool<byte>.Shared.Rent(WriteLength);
        long offset = 0;
        using var op = Operation(cancellationToken);
        try
        {
            while (true)
            {
                var filled = 0;
                int read;
                while (filled < WriteLength && (read = await source.ReadAsync(buffer.AsMemory(filled, WriteLength - filled), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    filled += read;
                }

                if (filled == 0)
                {
                    break;
                }

                if (outstanding.Count == depth)
                {
                    await WrittenAsync(outstanding.Dequeue(), path, op).ConfigureAwait(false);
                }

                var request = Begin(SftpWire.Write, 32 + handle.Length + filled, out var id);
                request.Bytes(handle);
                request.UInt64((ulong)offset);
                request.Bytes(buffer.AsSpan(0, filled));
                Send(request);
                outstanding.Enqueue(id);
                offset += filled;
            }

            while (outstanding.Count > 0)
            {
                await WrittenAsync(outstanding.Dequeue(), path, op).ConfigureAwait(false);
            }
        }
        catch
        {
            _broken |= outstanding.Count > 0;
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return offset;
    }

    public void Dispose()
    {
        _broken = true;
        _channel?.Dispose();
        _packets.Writer.TryComplete();
        while (_packets.Reader.TryRead(out var packet))
        {
            packet.Dispose();
        }
    }

    private async Task WrittenAsync(uint id, string path, Op op)
    {
        using var answer = await AnswerAsync(id, op, path).ConfigureAwait(false);
        ThrowIfStatus(answer, path);
    }

    private PendingRead Read(byte[] handle, long offset, int count)
    {
        var request = Begin(SftpWire.Read, 32 + handle.Length, out var id);
        request.Bytes(handle);
        request.UInt64((ulong)offset);
        request.UInt32((uint)count);
        Send(request);
        return new PendingRead(id, offset, count);
    }

    private async Task StatusAsync(uint id, string path, CancellationToken cancellationToken)
    {
        using var op = Operation(cancellationToken);
        using var answer = await AnswerAsync(id, op, path).ConfigureAwait(false);
        ThrowIfStatus(answer, path);
        if (answer.Type != SftpWire.Status)
        {
            throw OutOfStep($"a request on {path} was answered with type {answer.Type}");
        }
    }

    private SftpWriter Begin(byte type, int capacity, out uint id)
    {
        id = ++_lastId;
        var writer = new SftpWriter(type, capacity);
        writer.UInt32(id);
        return writer;
    }

    private void Send(SftpWriter request)
    {
        var (buffer, length) = request.Finish();
        try
        {
            (_channel ?? throw new SshConnectionException("the sftp channel is not open")).Send(buffer, 0, length);
        }
        catch
        {
            _broken = true;
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Op Operation(CancellationToken cancellationToken) => new(_timeout, cancellationToken);

    /// <summary>The answer to request <paramref name="id"/> (the only one outstanding).</summary>
    private async ValueTask<SftpPacket> AnswerAsync(uint id, Op op, string what)
    {
        var answer = await ReceiveAsync(op, what).ConfigureAwait(false);
        if (answer.Id != id)
        {
            answer.Dispose();
            throw OutOfStep($"{what}: an answer to request {answer.Id} came instead of one to {id}");
        }

        return answer;
    }

    private async ValueTask<SftpPacket> ReceiveAsync(Op op, string what)
    {
        if (_packets.Reader.TryRead(out var ready))
        {
            return ready;
        }

        op.Waiting();
        try
        {
            return await _packets.Reader.ReadAsync(op.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!op.Caller.IsCancellationRequested)
        {
            _broken = true;
            throw new SshOperationTimeoutException($"no answer from the server for {_timeout.TotalSeconds:0.#} s ({what})");
        }
        catch (OperationCanceledException)
        {
            _broken = true;
            throw;
        }
        catch (ChannelClosedException e)
        {
            _broken = true;
            throw e.InnerException ?? new SshConnectionException("the sftp session is closed");
        }
        finally
        {
            op.Answered();
        }
    }

    /// <summary>On SSH.NET's receive thread: puts packets together from the channel's data.</summary>
    private void OnReceived(ArraySegment<byte> data)
    {
        var span = data.AsSpan();
        while (span.Length > 0 && !_broken)
        {
            if (_body is null)
            {
                var take = Math.Min(4 - _headerFilled, span.Length);
                span[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                span = span[take..];
                if (_headerFilled < 4)
                {
                    return;
                }

                _headerFilled = 0;
                var length = BinaryPrimitives.ReadUInt32BigEndian(_header);
                if (length is < 5 or > PacketMax)
                {
                    Fail(new SshException($"the server sent an sftp packet of {length} bytes (at most {PacketMax} are accepted): the session is out of step"));
                    return;
                }

                _bodyLength = (int)length;
                _bodyFilled = 0;
                _body = ArrayPool<byte>.Shared.Rent(_bodyLength);
            }

            var part = Math.Min(_bodyLength - _bodyFilled, span.Length);
            span[..part].CopyTo(_body.AsSpan(_bodyFilled));
            _bodyFilled += part;
            span = span[part..];
            if (_bodyFilled == _bodyLength)
            {
                var packet = new SftpPacket(_body, _bodyLength);
                _body = null;
                if (!_packets.Writer.TryWrite(packet))
                {
                    packet.Dispose();
                }
            }
        }
    }

    private void Fail(Exception reason)
    {
        _broken = true;
        _packets.Writer.TryComplete(reason);
    }

    private SshException OutOfStep(string message)
    {
        _broken = true;
        return new SshException(message);
    }

    private static (StatusCode Code, string Message) StatusOf(SftpPacket status)
    {
        var reader = status.Reader();
        var code = (StatusCode)reader.UInt32();
        return (code, reader.AtEnd ? code.ToString() : reader.String());
    }

    private static void ThrowIfStatus(SftpPacket answer, string path)
    {
        if (answer.Type != SftpWire.Status)
        {
            return;
        }

        var (code, message) = StatusOf(answer);
        switch (code)
        {
            case StatusCode.Ok:
                return;
            case StatusCode.NoSuchFile:
                throw new SftpPathNotFoundException($"{path}: {message}", path);
            case StatusCode.PermissionDenied:
                throw new SftpPermissionDeniedException($"{path}: {message}");
            default:
                throw new SftpException(code, $"{path}: {message}");
        }
    }

    private byte[] HandleOf(SftpPacket answer, string path)
    {
        ThrowIfStatus(answer, path);
        return answer.Type == SftpWire.Handle ? answer.Reader().Bytes().ToArray() : throw OutOfStep($"opening {path} was answered with type {answer.Type}");
    }

    /// <summary>
    /// One operation's cancellation: the caller's token, and a timeout that runs only while an answer is awaited (not
    /// while the data is written or the source read, which a <c>byteRateMax</c> may hold).
    /// </summary>
    private sealed class Op(TimeSpan timeout, CancellationToken caller) : IDisposable
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(caller);

        public CancellationToken Caller => caller;

        public CancellationToken Token => _cts.Token;

        public void Waiting() => _cts.CancelAfter(timeout);

        public void Answered() => _cts.CancelAfter(Timeout.InfiniteTimeSpan);

        public void Dispose() => _cts.Dispose();
    }

    private sealed class PendingRead(uint id, long offset, int count)
    {
        public uint Id { get; } = id;

        public long Offset { get; } = offset;

        public int Count { get; } = count;

        public SftpPacket? Answer { get; set; }
    }
}
