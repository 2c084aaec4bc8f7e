namespace Sluice.Core.Transfers;

/// <summary>For ITransfer implementations: runs one operation under <see cref="TransferOptions.Timeout"/>, mapping failures to <see cref="TransferException"/>.</summary>
public static class OperationTimeout
{
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
    /// are not cut off while data keeps flowing).
    /// </summary>
    public static async Task<long> CopyAsync(TransferOptions options, Stream source, Stream destination, long? length, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Max(4096, options.BufSize)];
        long copied = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (length is null || copied < length)
            {
                var want = length is null ? buffer.Length : (int)Math.Min(buffer.Length, length.Value - copied);
                timeout.CancelAfter(options.Timeout);
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(0, want), timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new TransferException(options.Url, $"connection lost after {copied} bytes: {e.Message}", isTransient: true, e);
                }

                if (read == 0)
                {
                    break;
                }

                try
                {
                    await destination.WriteAsync(buffer.AsMemory(0, read), timeout.Token).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw new TransferException(options.Url, $"writing the received data failed after {copied} bytes: {e.Message}", isTransient: true, e);
                }

                copied += read;
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransferException(options.Url, $"no data for {options.Timeout.TotalSeconds:0.#} s after {copied} bytes", isTransient: true, e);
        }

        return copied;
    }
}
