using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Flows;
using Sluice.Core.Messages;
using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>
/// Partitioned downloads, as sr3 announces them: one message per block (<c>blocks.number</c> of the count, the block's
/// size and identity, and the <c>manifest</c> of every block). Each block's range is fetched into the file's inflight
/// name at its offset and its identity checked; what has arrived is kept on disk under the flow's state directory, so
/// blocks may come in any order, twice, or across a restart. When the last one is in, every block is checked again
/// (a block found wrong is fetched again), the file is renamed to its final name, and the message that completed it
/// becomes the whole file's: no <c>blocks</c>, the whole size and identity. The other block messages are rejected
/// (sr3's block_reassembly: only the complete file goes on).
/// </summary>
internal sealed class BlockAssembly
{
    /// <summary>Completed records are kept this long, so a late duplicate block is recognised.</summary>
    private static readonly TimeSpan CompletedKept = TimeSpan.FromDays(1);

    /// <summary>Striped locks on state files: shared by every instance in the process.</summary>
    private static readonly SemaphoreSlim[] Locks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    private readonly string? _stateDirectory;

    public BlockAssembly(string? stateDirectory)
    {
        _stateDirectory = stateDirectory is null ? null : Path.Combine(stateDirectory, "blocks");
        SweepCompleted();
    }

    /// <summary>The plan of a partitioned message: the whole size, the block size and count, this block's offset and length.</summary>
    public static (long FileSize, long Offset, long Length)? Plan(Blocks blocks, long? messageSize)
    {
        var count = blocks.EffectiveCount ?? 0;
        if (blocks.Size <= 0 || count <= 1 || blocks.Number < 0 || blocks.Number >= count)
        {
            return null;
        }

        long fileSize;
        if (blocks.Manifest is { Count: > 0 } manifest && manifest.Count == count)
        {
            fileSize = manifest.Sum(b => b.Size);
        }
        else
        {
            var last = blocks.Remainder is { } r && r > 0 ? r : blocks.Size;
            fileSize = ((count - 1) * blocks.Size) + last;
        }

        var offset = blocks.Number * blocks.Size;
        var length = blocks.Manifest?.FirstOrDefault(b => b.Number == blocks.Number)?.Size ?? messageSize ?? Math.Min(blocks.Size, fileSize - offset);
        return offset + length > fileSize ? null : (fileSize, offset, length);
    }

    /// <summary>Receives the block <paramref name="item"/> announces. True in the second value when it completed the file.</summary>
    public async Task<(WorkOutcome Outcome, bool Completed)> ReceiveAsync(FlowMessage item, ITransfer transfer, ReceiveRequest request, ReceiveOptions receive, CancellationToken cancellationToken)
    {
        var message = item.Message;
        var blocks = message.Blocks!;
        if (Plan(blocks, message.Size) is not { } plan)
        {
            item.Code = ReportCodes.Refused;
            item.Reason = $"blocks: block {blocks.Number} of {blocks.EffectiveCount} (size {blocks.Size}) does not describe a file";
            return (WorkOutcome.Reject, false);
        }

        var finalPath = PathSafety.Resolve(request.Directory, request.RelPath);
        FileMetadata.CreateDirectory(Path.GetDirectoryName(finalPath)!, receive.Metadata);
        var inflight = Receiver.InflightPath(finalPath, receive);
        FileMetadata.CreateDirectory(Path.GetDirectoryName(inflight)!, receive.Metadata);
        var method = message.Identity?.Method;
        var algorithm = method is null ? null : IdentityHashing.AlgorithmFor(new ExpectedIdentity(method, string.Empty));
        var expected = blocks.Manifest?.FirstOrDefault(b => b.Number == blocks.Number)?.Identity ?? message.Identity?.Value;
        var statePath = StatePath(finalPath);
        var signature = Signature(finalPath, plan.FileSize, blocks, method, message);
        var count = (int)blocks.EffectiveCount!.Value;
        var gate = Locks[(int)((uint)StringComparer.Ordinal.GetHashCode(statePath) % Locks.Length)];

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = BlockState.Load(statePath);
            if (state is null || state.Signature != signature)
            {
                if (inflight != finalPath && File.Exists(inflight))
                {
                    File.Delete(inflight); // an older version of the file was being assembled
                }

                state = new BlockState(signature, plan.FileSize, count);
                state.Save(statePath);
            }

            if (state.Complete || state.Digests[blocks.Number] is not null)
            {
                item.Code = ReportCodes.NotModified;
                item.Reason = state.Complete ? $"block {blocks.Number} of {count}: the file is already assembled" : $"block {blocks.Number} of {count}: already received";
                return (WorkOutcome.Reject, false);
            }
        }
        finally
        {
            gate.Release();
        }

        var (size, digest) = await Receiver.ReceiveBlockAsync(transfer, request.RemotePath, inflight, plan.Offset, plan.Length, algorithm, receive.RateLimit, cancellationToken).ConfigureAwait(false);
        if (size != plan.Length)
        {
            item.Code = ReportCodes.Failed;
            item.Reason = $"block {blocks.Number} of {count} of {request.RemotePath}: expected {plan.Length} bytes at {plan.Offset}, received {size}";
            return (WorkOutcome.Retry, false);
        }

        if (digest is not null && expected is not null && digest != expected)
        {
            item.Code = ReportCodes.Corrupt;
            item.Reason = $"block {blocks.Number} of {count} of {request.RemotePath}: identity mismatch: expected {method},{expected}, received {digest}";
            return (WorkOutcome.Retry, false);
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = BlockState.Load(statePath);
            if (state is null || state.Signature != signature)
            {
                item.Code = ReportCodes.Failed;
                item.Reason = $"block {blocks.Number} of {count}: a newer version of the file arrived meanwhile";
                return (WorkOutcome.Retry, false);
            }

            if (state.Complete)
            {
                item.Code = ReportCodes.NotModified;
                item.Reason = $"block {blocks.Number} of {count}: the file is already assembled";
                return (WorkOutcome.Reject, false);
            }

            state.Digests[blocks.Number] = digest ?? expected ?? "-";
            state.Save(statePath);
            var missing = state.Digests.Count(d => d is null);
            if (missing > 0)
            {
                item.Code = ReportCodes.Deferred;
                item.Reason = $"block {blocks.Number} of {count} received, waiting for {missing} more";
                return (WorkOutcome.Reject, false);
            }

            var whole = await AssembleAsync(transfer, request, blocks, algorithm, inflight, state, cancellationToken).ConfigureAwait(false);
            if (whole is null)
            {
                item.Code = ReportCodes.Corrupt;
                item.Reason = $"{request.RemotePath}: a block is still wrong after fetching it again";
                state.Save(statePath);
                return (WorkOutcome.Retry, false);
            }

            if (inflight != finalPath)
            {
                File.Move(inflight, finalPath, overwrite: true);
            }

            FileMetadata.Apply(finalPath, receive.Metadata, request.Mtime, request.Atime, request.Mode);
            state.Complete = true;
            state.Save(statePath);

            message.Blocks = null;
            message.Size = plan.FileSize;
            if (method is not null && whole is { Length: > 0 })
            {
                message.Identity = new Identity(method, whole);
            }

            return (WorkOutcome.Ok, true);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Checks every block of the assembled inflight file against its identity (fetching a wrong one again) and returns
    /// the whole file's digest ("" when the identity is not a checksum), or null when a block stays wrong.
    /// </summary>
    private static async Task<string?> AssembleAsync(ITransfer transfer, ReceiveRequest request, Blocks blocks, HashAlgorithmName? algorithm, string inflight, BlockState state, CancellationToken cancellationToken)
    {
        using (var file = new FileStream(inflight, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.SetLength(state.FileSize);
        }

        if (algorithm is not { } a)
        {
            return string.Empty;
        }

        for (var pass = 0; pass < 2; pass++)
        {
            var (whole, wrong) = await VerifyAsync(inflight, blocks.Size, state, a, cancellationToken).ConfigureAwait(false);
            if (wrong.Count == 0)
            {
                return whole;
            }

            foreach (var number in wrong)
            {
                var offset = number * blocks.Size;
                var length = Math.Min(blocks.Size, state.FileSize - offset);
                await Receiver.ReceiveBlockAsync(transfer, request.RemotePath, inflight, offset, length, null, null, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    private static async Task<(string Whole, List<long> Wrong)> VerifyAsync(string path, long blockSize, BlockState state, HashAlgorithmName algorithm, CancellationToken cancellationToken)
    {
        using var whole = IncrementalHash.CreateHash(algorithm);
        using var block = IncrementalHash.CreateHash(algorithm);
        var wrong = new List<long>();
        var buffer = new byte[1 << 20];
        var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, BufferSize = 0, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });
        await using (file.ConfigureAwait(false))
        {
            for (long number = 0; number < state.Digests.Length; number++)
            {
                var left = Math.Min(blockSize, state.FileSize - (number * blockSize));
                while (left > 0)
                {
                    var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    whole.AppendData(buffer, 0, read);
                    block.AppendData(buffer, 0, read);
                    left -= read;
                }

                var digest = Convert.ToBase64String(block.GetHashAndReset());
                if (state.Digests[number] is { } want && want != "-" && want != digest)
                {
                    wrong.Add(number);
                }
            }
        }

        return (Convert.ToBase64String(whole.GetHashAndReset()), wrong);
    }

    private string StatePath(string finalPath)
    {
        if (_stateDirectory is null)
        {
            return Path.Combine(Path.GetDirectoryName(finalPath)!, "." + Path.GetFileName(finalPath) + ".blocks");
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(finalPath)))[..32];
        return Path.Combine(_stateDirectory, key + ".blocks");
    }

    /// <summary>What makes two block messages parts of the same version of the same file.</summary>
    private static string Signature(string finalPath, long fileSize, Blocks blocks, string? method, NotificationMessage message)
    {
        var text = new StringBuilder().Append(finalPath).Append('\n').Append(fileSize).Append('\n').Append(blocks.Size).Append('\n').Append(blocks.EffectiveCount).Append('\n').Append(method);
        if (blocks.Manifest is { Count: > 0 } manifest)
        {
            foreach (var entry in manifest)
            {
                text.Append('\n').Append(entry.Number).Append(' ').Append(entry.Size).Append(' ').Append(entry.Identity);
            }
        }
        else
        {
            text.Append('\n').Append(message.Mtime);
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private void SweepCompleted()
    {
        if (_stateDirectory is null || !Directory.Exists(_stateDirectory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(_stateDirectory, "*.blocks"))
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > CompletedKept && BlockState.Load(path) is { Complete: true })
                {
                    File.Delete(path);
                }
            }
            catch (IOException)
            {
                // Another instance is sweeping or writing it: leave it.
            }
        }
    }

    /// <summary>The blocks of one file received so far, as a small text file written atomically.</summary>
    private sealed class BlockState(string signature, long fileSize, int count)
    {
        public string Signature { get; } = signature;

        public long FileSize { get; } = fileSize;

        /// <summary>Each received block's identity ("-" when not a checksum); null while missing.</summary>
        public string?[] Digests { get; } = new string?[count];

        public bool Complete { get; set; }

        public static BlockState? Load(string path)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }

            // sluice-blocks 1 / signature / size / count / complete, then one line per received block.
            if (lines.Length < 5 || lines[0] != "sluice-blocks 1" ||
                !long.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ||
                !int.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 1)
            {
                return null; // damaged: start the file over
            }

            var state = new BlockState(lines[1], size, count) { Complete = lines[4] == "complete" };
            foreach (var line in lines.Skip(5))
            {
                var parts = line.Split(' ', 2);
                if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < count)
                {
                    state.Digests[n] = parts[1];
                }
            }

            return state;
        }

        public void Save(string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var text = new StringBuilder()
                .Append("sluice-blocks 1\n").Append(Signature).Append('\n')
                .Append(FileSize.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append(Digests.Length.ToString(CultureInfo.InvariantCulture)).Append('\n')
                .Append(Complete ? "complete" : "partial").Append('\n');
            for (var n = 0; n < Digests.Length; n++)
            {
                if (Digests[n] is { } digest)
                {
                    text.Append(n.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(digest).Append('\n');
                }
            }

            var temporary = path + ".new";
            File.WriteAllText(temporary, text.ToString());
            File.Move(temporary, path, overwrite: true);
        }
    }
}
