using Sluice.Core.Checksums;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>
/// The work of subscribe and sarra: download each announced file into the flow's directory under an inflight
/// name, check its size and identity, then rename it into place, so a partial or corrupt file is never seen under
/// its final name; replay fileOps (link, remove, rename, mkdir, rmdir) locally. Every path from a message goes
/// through <see cref="PathSafety"/>. At most <paramref name="concurrency"/> connections are open to one server: the
/// flow's work concurrency (<see cref="FlowOptions.Concurrency"/>).
/// </summary>
internal sealed class DownloadWork(DownloadOptions options, TimeProvider? time = null, TransferRegistry? transfers = null, int concurrency = Defaults.Concurrency) : IFlowWork, IAsyncDisposable
{
    private readonly TransferPool _transfers = new(
        transfers ?? TransferRegistry.CreateDefault(),
        baseUrl => (options.ServerOptions?.Invoke(baseUrl) ?? new TransferOptions { Url = baseUrl }) with { Timeout = options.Timeout, BufSize = options.BufSize, TlsRigour = options.TlsRigour },
        concurrency);
    private readonly BlockAssembly _blocks = new(options.StateDirectory);

    /// <summary>The <c>byteRateMax</c> limit every download of this flow instance shares, or null.</summary>
    internal ByteRateLimiter? RateLimit { get; } = options.ByteRateMax > 0 ? new ByteRateLimiter(options.ByteRateMax, time) : null;

    public async ValueTask<WorkOutcome> DoAsync(FlowMessage item, CancellationToken cancellationToken)
    {
        var message = item.Message;
        string target;
        var root = item.Placement?.Directory ?? options.Directory;
        try
        {
            target = PathSafety.Resolve(root, Place(message, item.Placement));
        }
        catch (Exception ex) when (Disposition.For(ex) is { } disposition)
        {
            return disposition.Apply(item, ex.Message);
        }

        item.LocalPath = target;
        try
        {
            var outcome = message.FileOp is { } op && (op.Link is not null || op.IsRemove || op.IsDirectory || op.HLink is not null)
                ? FileOp(item, op, target)
                : await FileAsync(item, target, cancellationToken).ConfigureAwait(false);
            if (outcome == WorkOutcome.Ok)
            {
                Repost(message, target);
            }

            return outcome;
        }
        catch (Exception ex) when (Disposition.For(ex) is { } disposition)
        {
            // A local failure names the file; a transfer's names the server.
            return disposition.Apply(item, ex is IOException or UnauthorizedAccessException ? $"{target}: {ex.Message}" : ex.Message);
        }
    }

    /// <summary>The file's place under the directory: the relPath (mirror, less <c>strip</c> directories) or the name, flattened and renamed by <c>filename</c>.</summary>
    internal string Place(NotificationMessage message, Placement? placement = null) =>
        (placement ?? new Placement(options.Directory, options.Mirror, options.Strip, options.Flatten, options.Filename)).Place(message);

    private WorkOutcome FileOp(FlowMessage item, FileOp op, string target)
    {
        if (op.IsRemove)
        {
            if (op.IsDirectory && Directory.Exists(target))
            {
                Directory.Delete(target);
            }
            else if (File.Exists(target) || new FileInfo(target).LinkTarget is not null)
            {
                File.Delete(target);
            }

            return WorkOutcome.Ok;
        }

        if (op.IsDirectory)
        {
            Directory.CreateDirectory(target);
            return WorkOutcome.Ok;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (op.Link is { } link)
        {
            var linkRoot = item.Placement?.Directory ?? options.Directory;
            PathSafety.CheckLinkTarget(linkRoot, Path.GetRelativePath(linkRoot, target), link);
            if (File.Exists(target) || new FileInfo(target).LinkTarget is not null)
            {
                File.Delete(target);
            }

            File.CreateSymbolicLink(target, link);
            return WorkOutcome.Ok;
        }

        item.Code = ReportCodes.Refused;
        item.Reason = "hard links are not replayed";
        return WorkOutcome.Reject;
    }

    private async Task<WorkOutcome> FileAsync(FlowMessage item, string target, CancellationToken cancellationToken)
    {
        var message = item.Message;
        var partitioned = message.Blocks is { } blocks && (blocks.EffectiveCount ?? 1) > 1;
        var announcedSize = partitioned ? BlockAssembly.Plan(message.Blocks!, message.Size)?.FileSize : message.Size;
        if (options.FileSizeMax > 0 && announcedSize > options.FileSizeMax)
        {
            item.Code = ReportCodes.TooLarge;
            item.Reason = $"file size {announcedSize} is over fileSizeMax {options.FileSizeMax}";
            return WorkOutcome.Reject;
        }

        var root = item.Placement?.Directory ?? options.Directory;
        if (!partitioned && !options.Overwrite && await IsUpToDateAsync(message, target, cancellationToken).ConfigureAwait(false))
        {
            item.Code = ReportCodes.NotModified;
            item.Reason = "file already up to date";
            return WorkOutcome.Reject;
        }

        var identity = message.Identity is { Value: { } value } id && (id.Method == "cod" || IdentityMethods.Find(id.Method) is { IsChecksum: true })
            ? new ExpectedIdentity(id.Method, id.Method == "cod" ? value : value.Replace("\n", string.Empty, StringComparison.Ordinal))
            : null;
        var (inflightMode, inflightValue) = ReceiveOptions.ParseInflight(options.Inflight);
        var receive = new ReceiveOptions
        {
            Inflight = inflightMode,
            InflightValue = inflightValue,
            AcceptSizeWrong = options.AcceptSizeWrong || message.Blocks is not null,
            Attempts = 1, // the flow retries (attempts, then the retry queue)
            BufSize = options.BufSize,
            Metadata = options.Metadata,
            RateLimit = RateLimit,
        };
        var request = new ReceiveRequest
        {
            RemotePath = message.RetrievePath ?? message.RelPath,
            Directory = root,
            RelPath = Path.GetRelativePath(root, target),
            ExpectedSize = message.Size,
            Identity = identity,
            Mtime = message.Mtime is { } m && SrTime.TryParse(m, out var mtime) ? mtime : null,
            Atime = message.Atime is { } a && SrTime.TryParse(a, out var atime) ? atime : null,
            Mode = message.Mode is { } mode && int.TryParse(mode, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _) ? Convert.ToInt32(mode, 8) : null,
        };

        if (partitioned)
        {
            var (outcome, completed) = await _transfers.UseAsync(message.BaseUrl, transfer => _blocks.ReceiveAsync(item, transfer, request, receive, cancellationToken), cancellationToken).ConfigureAwait(false);

            if (completed)
            {
                await CompletedAsync(message, target, cancellationToken).ConfigureAwait(false);
            }

            return outcome;
        }

        ReceiveResult result;
        if (message.Content is { } content)
        {
            result = await WriteInlineAsync(content, request, receive, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            result = await _transfers.UseAsync(message.BaseUrl, transfer => Receiver.ReceiveAsync(transfer, request, target, receive, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        if (message.Identity?.Method == "cod" && result.ComputedIdentity is { } computed)
        {
            // Checksum on download: the receiver computes it and announces it.
            message.Identity = new Identity(computed.Method, computed.Value);
        }

        if (message.FileOp?.Rename is { } oldName)
        {
            RemoveRenamed(oldName, message.RelPath, root, item.Placement, target);
        }

        await CompletedAsync(message, target, cancellationToken).ConfigureAwait(false);
        return WorkOutcome.Ok;
    }

    /// <summary>After a whole file is in place: <c>delete</c> it at the source, <c>discard</c> it here.</summary>
    private async Task CompletedAsync(NotificationMessage message, string target, CancellationToken cancellationToken)
    {
        if (options.DeleteSource)
        {
            try
            {
                await _transfers.UseAsync(message.BaseUrl, async transfer =>
                {
                    await transfer.DeleteAsync(message.RetrievePath ?? message.RelPath, cancellationToken).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (TransferException ex) when (ex.IsNotFound)
            {
                // Removed at the source already: what delete wants.
            }
        }

        if (options.Discard)
        {
            File.Delete(target);
        }
    }

    /// <summary>
    /// The old name of a renamed file goes away. sr3 writes it as the sender's absolute path: the part from the new
    /// relPath's first directory on is taken as its relPath (a rename within the announced tree).
    /// </summary>
    private void RemoveRenamed(string oldName, string newRelPath, string root, Placement? placement, string newTarget)
    {
        var oldRelPath = oldName;
        if (oldName.StartsWith('/'))
        {
            var first = newRelPath.Split('/', 2)[0];
            var at = oldName.IndexOf("/" + first + "/", StringComparison.Ordinal);
            if (at < 0)
            {
                return;
            }

            oldRelPath = oldName[(at + 1)..];
        }

        var renamed = new NotificationMessage(string.Empty, string.Empty, oldRelPath);
        var oldTarget = PathSafety.Resolve(root, Place(renamed, placement));
        if (oldTarget != newTarget && File.Exists(oldTarget))
        {
            File.Delete(oldTarget);
        }
    }

    private static async Task<ReceiveResult> WriteInlineAsync(Content content, ReceiveRequest request, ReceiveOptions receive, CancellationToken cancellationToken)
    {
        var bytes = content.GetBytes();
        var target = PathSafety.Resolve(request.Directory, request.RelPath);
        FileMetadata.CreateDirectory(Path.GetDirectoryName(target)!, receive.Metadata);
        var inflight = Receiver.InflightPath(target, receive);
        Directory.CreateDirectory(Path.GetDirectoryName(inflight)!);
        var file = FileTarget.Open(inflight);
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        if (request.Identity is { } identity && identity.Method != "cod" && IdentityMethods.Find(identity.Method) is { IsChecksum: true } method)
        {
            using var hasher = method.CreateHasher();
            hasher.Append(bytes);
            var value = hasher.GetValueAndReset();
            if (value != identity.Value)
            {
                File.Delete(inflight);
                throw new TransferVerificationException("inline", request.RelPath, VerificationFailure.Identity, identity.Value, value ?? string.Empty, 1);
            }
        }

        if (inflight != target)
        {
            File.Move(inflight, target, overwrite: true);
        }

        FileMetadata.Apply(target, receive.Metadata, request.Mtime, request.Atime, request.Mode);
        return new ReceiveResult(target, bytes.Length, null, 1);
    }

    private static async Task<bool> IsUpToDateAsync(NotificationMessage message, string target, CancellationToken cancellationToken)
    {
        var local = new FileInfo(target);
        if (!local.Exists || (message.Size is { } size && local.Length != size) || message.Identity is not { Method: not "cod" } identity)
        {
            return false;
        }

        var ours = await FileIdentity.ComputeAsync(target, IdentitySetting.Parse(identity.Method), cancellationToken).ConfigureAwait(false);
        return ours?.Value == identity.Value;
    }

    /// <summary>sarra: the message now points at the copy this pump serves.</summary>
    private void Repost(NotificationMessage message, string target)
    {
        if (options.PostBaseUrl is null)
        {
            return;
        }

        var baseDir = Path.GetFullPath(options.PostBaseDir ?? options.Directory).TrimEnd('/');
        if (baseDir.Length == 0)
        {
            baseDir = string.Empty; // post_baseDir / : relPaths are absolute paths without the leading slash
        }
        message.BaseUrl = options.PostBaseUrl;
        message.RelPath = target.StartsWith(baseDir + "/", StringComparison.Ordinal) ? target[(baseDir.Length + 1)..] : target.TrimStart('/');
        message.RetrievePath = null;
    }

    public ValueTask DisposeAsync() => _transfers.DisposeAsync();
}
