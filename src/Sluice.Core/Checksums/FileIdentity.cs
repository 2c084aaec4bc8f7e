using Sluice.Core.Messages;

namespace Sluice.Core.Checksums;

/// <summary>
/// Computes identities of files and streams, whole or block by block, in one pass with one buffer.
/// </summary>
internal static class FileIdentity
{
    /// <summary>Files up to this size are hashed with reads in place.</summary>
    private const int SmallFile = 64 * 1024;

    /// <summary>The identity field sr3 would write for this file with this setting (null for none).</summary>
    public static async Task<Identity?> ComputeAsync(string path, IdentitySetting setting, CancellationToken cancellationToken, int bufferSize = Config.Defaults.BufSize)
    {
        if (setting.Method == "none")
        {
            return null;
        }

        if (setting.Method == "cod")
        {
            return new Identity("cod", setting.CodAlgorithm);
        }

        var method = setting.PostMethod!;
        using var hasher = method.CreateHasher();
        if (hasher.NeedsContent)
        {
            await using var stream = OpenSequential(path, bufferSize);
            if (stream.Length <= SmallFile)
            {
                // A small file is read in place: an asynchronous read is the same read on a thread-pool thread,
                // and its hops cost more than the read itself (a post of many small files is mostly these).
                AppendSmall(hasher, stream);
            }
            else
            {
                await AppendAsync(hasher, stream, long.MaxValue, bufferSize, cancellationToken).ConfigureAwait(false);
            }
        }

        return new Identity(method.Name, hasher.GetValueAndReset());
    }

    private static void AppendSmall(IdentityHasher hasher, FileStream stream)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(SmallFile);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Feeds up to <paramref name="count"/> bytes of the stream to the hasher; returns how many were read.</summary>
    public static async Task<long> AppendAsync(IdentityHasher hasher, Stream stream, long count, int bufferSize, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            long total = 0;
            while (total < count)
            {
                var want = (int)Math.Min(buffer.Length, count - total);
                var read = await stream.ReadAsync(buffer.AsMemory(0, want), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                hasher.Append(buffer.AsSpan(0, read));
                total += read;
            }

            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The blocks of a file partitioned in <paramref name="blockSize"/> pieces, each with its size and identity,
    /// as sr3 writes them in <c>blocks.manifest</c>.
    /// </summary>
    public static async Task<BlockPlan> ComputeBlocksAsync(string path, long blockSize, IIdentityMethod method, CancellationToken cancellationToken, int bufferSize = Config.Defaults.BufSize)
    {
        await using var stream = OpenSequential(path, bufferSize);
        var plan = BlockPlan.For(stream.Length, blockSize);
        var entries = new List<BlockEntry>((int)Math.Min(plan.Count, 1 << 16));
        using var hasher = method.CreateHasher();
        for (long n = 0; n < plan.Count; n++)
        {
            var size = plan.SizeOf(n);
            if (hasher.NeedsContent)
            {
                var read = await AppendAsync(hasher, stream, size, bufferSize, cancellationToken).ConfigureAwait(false);
                if (read != size)
                {
                    throw new IOException($"{path} shrank while its blocks were computed (block {n}: {read} of {size} bytes)");
                }
            }

            entries.Add(new BlockEntry(n, size, hasher.GetValueAndReset()));
        }

        return plan with { Manifest = entries };
    }

    private static FileStream OpenSequential(string path, int bufferSize) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
            BufferSize = 0,
        });
}
