using System.Buffers;

namespace Sluice.Core.Transfers;

/// <summary>For ITransfer implementations: runs one operation under <see cref="TransferOptions.Timeout"/>, mapping failures to <see cref="TransferException"/>.</summary>
public static class OperationTimeout
{
    /// <summary>
    /// The largest buffer <see cref="CopyAsync"/> uses, whatever <see cref="TransferOptions.BufSize"/> asks for: two
    /// buffers of 1 MiB (sr3's default) no longer fit in a core's cache, so each byte left it between the network read
    /// and the file write, and an http download cost twice the CPU and ran at half the speed it does with 256 KiB.
    /// </summary>
    internal const int BufferMax = 256 * 1024;

    public static async Task<T> RunAsync<T>(TransferOptions options, string what, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            return await operation(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransferException(options.Url, $"{what} timed out after {options.Timeout.TotalSeconds:0.#} s", isTransient: true, e);
        }
    }

    public static async Task RunAsync(TransferOptions options, string what, Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        await RunAsync<bool>(
            options,
            what,
            async ct =>
            {
                await operation(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies a stream with a timeout on each read and write (not on the whole copy, so large files
    /// are not cut off while data keeps flowing), in buffers of <see cref="TransferOptions.BufSize"/>,
    /// at most <see cref="BufferMax"/>. Each buffer is written in place once it is full: writing it on
    /// another thread while the next is read was measured slower (one thread-pool hop per buffer costs
    /// more than the write, which only copies into the page cache).
    /// </summary>
    public static async Task<long> CopyAsync(TransferOptions options, Stream source, Stream destination, long? length, CancellationToken cancellationToken)
    {
        var bufSize = Math.Clamp(options.BufSize, 4096, BufferMax);
        if (length is { } known && known < bufSize)
        {
            bufSize = (int)Math.Max(4096, known);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(bufSize);
        long copied = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var done = false;
            while (!done && (length is null || copied < length))
            {
                // Fill the buffer before writing: network reads return small chunks, and one large
                // write is much cheaper than many small ones.
                var filled = 0;
                var want = length is null ? bufSize : (int)Math.Min(bufSize, length.Value - copied);
                while (filled < want)
                {
                    int read;
                    timeout.CancelAfter(options.Timeout);
                    try
                    {
                        read = await source.ReadAsync(buffer.AsMemory(filled, want - filled), timeout.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException)
                    {
                        throw new TransferException(options.Url, $"connection lost after {copied + filled} bytes: {e.Message}", isTransient: true, e);
                    }

                    if (read == 0)
                    {
                        done = true;
                        break;
                    }

                    filled += read;
                }

                if (filled == 0)
                {
                    break;
                }

                try
                {
                    await destination.WriteAsync(buffer.AsMemory(0, filled), timeout.Token).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw new TransferException(options.Url, $"writing the received data failed after {copied} bytes: {e.Message}", isTransient: true, e);
                }

                copied += filled;
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransferException(options.Url, $"no data for {options.Timeout.TotalSeconds:0.#} s after {copied} bytes", isTransient: true, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return copied;
    }
}
