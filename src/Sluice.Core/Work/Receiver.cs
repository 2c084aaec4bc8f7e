using System.Security.Cryptography;
using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>
/// Downloads one file with any <see cref="ITransfer"/>: writes it under its inflight name, checks
/// size and identity while receiving, and only then renames it to the final name, so an
/// interrupted or corrupted download never leaves a file under the final name. A partial inflight
/// file left by an interrupted attempt is resumed (byte range) on the next call.
/// </summary>
internal static class Receiver
{
    /// <summary>
    /// Receives <paramref name="request"/>. A size or identity mismatch is retried up to
    /// <see cref="ReceiveOptions.Attempts"/> times (starting over), then thrown as
    /// <see cref="TransferVerificationException"/>. Network failures are thrown as
    /// <see cref="TransferException"/>, keeping the partial inflight file for resuming.
    /// </summary>
    public static Task<ReceiveResult> ReceiveAsync(ITransfer transfer, ReceiveRequest request, ReceiveOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ReceiveAsync(transfer, request, PathSafety.Resolve(request.Directory, request.RelPath), options, cancellationToken);
    }

    /// <summary>As <see cref="ReceiveAsync(ITransfer, ReceiveRequest, ReceiveOptions, CancellationToken)"/>, to <paramref name="finalPath"/>: the request's path, resolved by <see cref="PathSafety"/> already.</summary>
    internal static async Task<ReceiveResult> ReceiveAsync(ITransfer transfer, ReceiveRequest request, string finalPath, ReceiveOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var parent = Path.GetDirectoryName(finalPath)!;
        FileMetadata.CreateDirectory(parent, options.Metadata);
        var inflightPath = InflightPath(finalPath, options);
        if (options.Inflight == InflightMode.Directory)
        {
            FileMetadata.CreateDirectory(Path.GetDirectoryName(inflightPath)!, options.Metadata);
        }

        var algorithm = IdentityHashing.AlgorithmFor(request.Identity);
        var attempts = Math.Max(1, options.Attempts);
        for (var attempt = 1; ; attempt++)
        {
            var resume = options.Resume && options.Inflight != InflightMode.None && attempt == 1;
            var (size, digest) = await FetchAsync(transfer, request, inflightPath, algorithm, resume, options, cancellationToken).ConfigureAwait(false);

            string? failure = null;
            VerificationFailure kind = VerificationFailure.Size;
            string expected = string.Empty;
            if (request.ExpectedSize is { } want && size != want && !options.AcceptSizeWrong)
            {
                (failure, kind, expected) = (size.ToString(), VerificationFailure.Size, want.ToString());
            }
            else if (digest is not null && request.Identity is { } id && !id.Method.Equals("cod", StringComparison.OrdinalIgnoreCase) && digest != id.Value)
            {
                (failure, kind, expected) = (digest, VerificationFailure.Identity, $"{id.Method},{id.Value}");
            }

            if (failure is not null)
            {
                File.Delete(inflightPath);
                if (attempt < attempts)
                {
                    continue;
                }

                throw new TransferVerificationException(transfer.Options.Url, request.RemotePath, kind, expected, failure, attempt);
            }

            if (!ReferenceEquals(inflightPath, finalPath))
            {
                File.Move(inflightPath, finalPath, overwrite: true);
            }

            FileMetadata.Apply(finalPath, options.Metadata, request.Mtime, request.Atime, request.Mode);
            var computed = algorithm is { } a && digest is not null ? new ExpectedIdentity(IdentityHashing.MethodName(a), digest) : null;
            return new ReceiveResult(finalPath, size, computed, attempt);
        }
    }

    /// <summary>
    /// Partitioned download: writes bytes [offset, offset+length) of the remote file at the same
    /// offset of <paramref name="localPath"/> (an inflight or <c>inplace</c> target), creating it if
    /// needed. Blocks may arrive in any order; the caller renames once all are in.
    /// </summary>
    public static async Task<long> ReceiveBlockAsync(ITransfer transfer, string remotePath, string localPath, long offset, long length, CancellationToken cancellationToken) =>
        (await ReceiveBlockAsync(transfer, remotePath, localPath, offset, length, null, null, cancellationToken).ConfigureAwait(false)).Size;

    /// <summary>
    /// As <see cref="ReceiveBlockAsync(ITransfer, string, string, long, long, CancellationToken)"/>, hashing the block's
    /// bytes with <paramref name="algorithm"/> (the digest is returned, base64) and holding them to <paramref name="rateLimit"/>.
    /// </summary>
    public static async Task<(long Size, string? Digest)> ReceiveBlockAsync(ITransfer transfer, string remotePath, string localPath, long offset, long length, HashAlgorithmName? algorithm, ByteRateLimiter? rateLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        using var hash = algorithm is { } a ? IncrementalHash.CreateHash(a) : null;
        var file = new FileStream(localPath, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, Share = FileShare.ReadWrite, BufferSize = 0, Options = FileOptions.Asynchronous });
        await using (file.ConfigureAwait(false))
        {
            file.Seek(offset, SeekOrigin.Begin);
            var sink = new HashingStream(file, hash, rateLimit);
            await using (sink.ConfigureAwait(false))
            {
                var size = await transfer.GetAsync(remotePath, sink, offset, length, null, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                return (size, hash is null ? null : Convert.ToBase64String(hash.GetHashAndReset()));
            }
        }
    }

    /// <summary>The name a file is written under until it is complete.</summary>
    public static string InflightPath(string finalPath, ReceiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dir = Path.GetDirectoryName(finalPath)!;
        var name = Path.GetFileName(finalPath);
        return options.Inflight switch
        {
            InflightMode.Suffix => finalPath + options.InflightValue,
            InflightMode.Prefix => Path.Combine(dir, options.InflightValue + name),
            InflightMode.Directory => Path.Combine(dir, options.InflightValue, name),
            _ => finalPath,
        };
    }

    private static async Task<(long Size, string? Digest)> FetchAsync(ITransfer transfer, ReceiveRequest request, string inflightPath, HashAlgorithmName? algorithm, bool resume, ReceiveOptions options, CancellationToken cancellationToken)
    {
        using var hash = algorithm is { } a ? IncrementalHash.CreateHash(a) : null;
        // A partial file left by an interrupted attempt is resumed, unless it is longer than the file announced.
        var file = FileTarget.Open(inflightPath, FileAccess.ReadWrite, keepUpTo: resume ? request.ExpectedSize ?? long.MaxValue : 0);
        var existing = file.Length;
        var complete = false;
        try
        {
            await using (file.ConfigureAwait(false))
            {
                if (existing > 0)
                {
                    await HashExistingAsync(file, existing, hash, options.BufSize, cancellationToken).ConfigureAwait(false);
                    file.SetLength(existing);
                }

                var sink = new HashingStream(file, hash, options.RateLimit);
                await using (sink.ConfigureAwait(false))
                {
                    if (request.ExpectedSize is not { } size || existing < size || size == 0)
                    {
                        await transfer.GetAsync(request.RemotePath, sink, existing, null, request.ExpectedSize, cancellationToken).ConfigureAwait(false);
                    }

                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                    complete = true;
                    var digest = hash is null ? null : Convert.ToBase64String(hash.GetHashAndReset());
                    return (existing + sink.Written, digest);
                }
            }
        }
        finally
        {
            if (!complete && (options.Inflight == InflightMode.None || !options.Resume))
            {
                // Nothing partial may stay under the final name; without resume the partial is useless.
                File.Delete(inflightPath);
            }
        }
    }

    private static async Task HashExistingAsync(FileStream file, long length, IncrementalHash? hash, int bufSize, CancellationToken cancellationToken)
    {
        if (hash is not null)
        {
            var buffer = new byte[Math.Max(4096, bufSize)];
            long done = 0;
            while (done < length)
            {
                var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                done += read;
            }
        }

        file.Seek(length, SeekOrigin.Begin);
    }
}
