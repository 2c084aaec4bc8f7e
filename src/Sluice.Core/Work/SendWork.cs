using System.Collections.Concurrent;
using Sluice.Core.Checksums;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Messages;
using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>
/// The work of a sender: push each announced local file to the server of <c>sendTo</c> under an inflight name, then
/// rename it into place, so the other side never sees a partial file under its final name; replay fileOps (remove,
/// rmdir, rename, link, mkdir) on the server. With a <c>post_baseUrl</c> the message is changed to announce the copy
/// at the destination. Paths from messages go through <see cref="PathSafety"/>, locally and remotely. At most
/// <c>concurrency</c> connections are open to the server: the flow's work concurrency (<see cref="FlowOptions.Concurrency"/>).
/// </summary>
internal sealed class SendWork : IFlowWork, IAsyncDisposable
{
    private readonly SendOptions _options;
    private readonly TransferPool _transfers;
    private readonly ConcurrentDictionary<string, bool> _madeDirectories = new(StringComparer.Ordinal);

    public SendWork(SendOptions options, TransferRegistry? transfers = null, int concurrency = Defaults.Concurrency)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _transfers = new TransferPool(
            transfers ?? TransferRegistry.CreateDefault(),
            url => (options.ServerOptions?.Invoke(url) ?? new TransferOptions { Url = url }) with { Timeout = options.Timeout, BufSize = options.BufSize, TlsRigour = options.TlsRigour },
            concurrency);

        // An unknown scheme is an error now, when the flow starts, rather than on every message.
        _transfers.Prepare(options.SendTo);
    }

    public async ValueTask<WorkOutcome> DoAsync(FlowMessage item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            return await _transfers.UseAsync(_options.SendTo, transfer => SendAsync(transfer, item, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Disposition.For(ex) is { } disposition)
        {
            if (ex is TransferException)
            {
                // A reconnect, or a refusal that may mean a directory went away: make directories afresh.
                _madeDirectories.Clear();
            }

            // A local failure (reading the file: permissions, a disk error) names the file; a transfer's the server.
            return disposition.Apply(item, ex is IOException or UnauthorizedAccessException ? $"{item.LocalPath}: {ex.Message}" : ex.Message);
        }
    }

    private async Task<WorkOutcome> SendAsync(ITransfer transfer, FlowMessage item, CancellationToken cancellationToken)
    {
        var message = item.Message;
        var localRoot = LocalRoot(message);
        var local = PathSafety.Resolve(localRoot, message.RelPath);
        var remote = RemotePath(message, item.Placement);
        item.LocalPath = local;
        var op = message.FileOp;
        string? oldRemote = null;
        if (op?.Rename is { } oldName && OldRelPath(oldName, message.RelPath, localRoot) is { } oldRelPath)
        {
            oldRemote = RemotePath(new NotificationMessage(string.Empty, string.Empty, oldRelPath), item.Placement);
        }

        var outcome = op is not null && (op.Link is not null || op.IsRemove || op.IsDirectory || op.HLink is not null)
            ? await FileOpAsync(transfer, item, op, remote, cancellationToken).ConfigureAwait(false)
            : await SendFileAsync(transfer, item, local, remote, oldRemote, cancellationToken).ConfigureAwait(false);
        if (outcome == WorkOutcome.Ok)
        {
            Announce(message, remote, oldRemote);
        }

        return outcome;
    }

    /// <summary>
    /// Where the message's file is on this machine: sr3 takes <c>baseDir</c> + relPath; without it, a <c>file:</c>
    /// baseUrl gives the directory, and anything else is taken as relative to <c>/</c>.
    /// </summary>
    private string LocalRoot(NotificationMessage message)
    {
        if (_options.BaseDir is { Length: > 0 } baseDir)
        {
            return baseDir;
        }

        if (message.BaseUrl.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return FileTransfer.LocalPath(message.BaseUrl);
        }

        return "/";
    }

    /// <summary>The file's path on the server: the accept line's (or the flow's) directory and the placed relPath.</summary>
    private string RemotePath(NotificationMessage message, Placement? placement)
    {
        var directory = placement?.Directory ?? _options.Directory;
        var placed = (placement ?? new Placement(directory, _options.Mirror, _options.Strip, _options.Flatten, _options.Filename)).Place(message);
        return PathSafety.JoinRemote(directory, placed);
    }

    /// <summary>
    /// The relPath of a renamed file's old name. sr3 writes it as the sender's absolute path: under the local root it
    /// is made relative to it, else the part from the new relPath's first directory on is taken (a rename within the tree).
    /// </summary>
    private static string? OldRelPath(string oldName, string newRelPath, string localRoot)
    {
        if (!oldName.StartsWith('/'))
        {
            return oldName;
        }

        var root = Path.GetFullPath(localRoot).TrimEnd('/') + "/";
        if (oldName.StartsWith(root, StringComparison.Ordinal))
        {
            return oldName[root.Length..];
        }

        var first = newRelPath.Split('/', 2)[0];
        var at = oldName.IndexOf("/" + first + "/", StringComparison.Ordinal);
        return at < 0 ? null : oldName[(at + 1)..];
    }

    private async Task<WorkOutcome> FileOpAsync(ITransfer transfer, FlowMessage item, FileOp op, string remote, CancellationToken cancellationToken)
    {
        if (op.IsRemove)
        {
            // Removing what is not there (never sent, removed already) leaves the server as wanted.
            await DeleteIfPresentAsync(transfer, remote, cancellationToken).ConfigureAwait(false);
            if (op.IsDirectory)
            {
                _madeDirectories.Clear();
            }

            return WorkOutcome.Ok;
        }

        if (op.IsDirectory)
        {
            await MakeDirectoryAsync(transfer, remote, cancellationToken).ConfigureAwait(false);
            return WorkOutcome.Ok;
        }

        if (op.Link is { } link)
        {
            await MakeParentAsync(transfer, remote, cancellationToken).ConfigureAwait(false);
            await DeleteIfPresentAsync(transfer, remote, cancellationToken).ConfigureAwait(false);
            await transfer.SymlinkAsync(link, remote, cancellationToken).ConfigureAwait(false);
            return WorkOutcome.Ok;
        }

        item.Code = ReportCodes.Refused;
        item.Reason = "hard links are not replayed";
        return WorkOutcome.Reject;
    }

    private async Task<WorkOutcome> SendFileAsync(ITransfer transfer, FlowMessage item, string local, string remote, string? oldRemote, CancellationToken cancellationToken)
    {
        if (!File.Exists(local))
        {
            if (oldRemote is not null && oldRemote != remote)
            {
                // Renamed again or removed since: what was sent under the old name takes the new one, if it is there.
                try
                {
                    await transfer.RenameAsync(oldRemote, remote, cancellationToken).ConfigureAwait(false);
                    return WorkOutcome.Ok;
                }
                catch (TransferException ex) when (!ex.IsTransient)
                {
                }
            }

            // sr3: "product collision or base_dir not set". A later message tells what became of it.
            item.Code = ReportCodes.NotFound;
            item.Reason = $"{local}: no such local file (set baseDir to the directory the relPaths are under)";
            return WorkOutcome.Reject;
        }

        await MakeParentAsync(transfer, remote, cancellationToken).ConfigureAwait(false);
        var (mode, value) = ReceiveOptions.ParseInflight(_options.Inflight);
        var inflight = Receiver.InflightPath(remote, new ReceiveOptions { Inflight = mode, InflightValue = value });
        if (mode == InflightMode.Directory)
        {
            await MakeParentAsync(transfer, inflight, cancellationToken).ConfigureAwait(false);
        }

        var source = new FileStream(local, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });
        await using (source.ConfigureAwait(false))
        {
            try
            {
                await transfer.PutAsync(source, inflight, cancellationToken).ConfigureAwait(false);
            }
            catch (TransferException ex) when (ex.IsNotFound)
            {
                // The directory went away under us (an rmdir replayed meanwhile): it is made again on the next try.
                _madeDirectories.Clear();
                item.Code = ReportCodes.Failed;
                item.Reason = ex.Message;
                return WorkOutcome.Retry;
            }

            var sent = source.Position;
            if (item.Message.Size != sent)
            {
                // The file changed since it was announced (announced while still being written, say): what goes
                // on is described by what was sent, so the next hop checks the right size and checksum.
                item.Message.Size = sent;
                if (item.Message.Identity is { Method: not ("cod" or "arbitrary" or "random") } identity)
                {
                    item.Message.Identity = await FileIdentity.ComputeAsync(local, IdentitySetting.Parse(identity.Method), cancellationToken).ConfigureAwait(false) ?? identity;
                }
            }
        }

        if (inflight != remote)
        {
            await transfer.RenameAsync(inflight, remote, cancellationToken).ConfigureAwait(false);
        }

        if (oldRemote is not null && oldRemote != remote)
        {
            await DeleteIfPresentAsync(transfer, oldRemote, cancellationToken).ConfigureAwait(false);
        }

        return WorkOutcome.Ok;
    }

    private static async Task DeleteIfPresentAsync(ITransfer transfer, string remote, CancellationToken cancellationToken)
    {
        try
        {
            await transfer.DeleteAsync(remote, cancellationToken).ConfigureAwait(false);
        }
        catch (TransferException ex) when (ex.IsNotFound)
        {
        }
    }

    private Task MakeParentAsync(ITransfer transfer, string remote, CancellationToken cancellationToken)
    {
        var slash = remote.LastIndexOf('/');
        return slash <= 0 ? Task.CompletedTask : MakeDirectoryAsync(transfer, remote[..slash], cancellationToken);
    }

    private async Task MakeDirectoryAsync(ITransfer transfer, string remote, CancellationToken cancellationToken)
    {
        if (_madeDirectories.ContainsKey(remote))
        {
            return;
        }

        try
        {
            await transfer.MkdirAsync(remote, cancellationToken).ConfigureAwait(false);
        }
        catch (TransferException ex) when (ex.IsTransient)
        {
            // Another worker made the same directory between the check and the create: the second try sees it.
            await transfer.MkdirAsync(remote, cancellationToken).ConfigureAwait(false);
        }

        _madeDirectories[remote] = true;
    }

    /// <summary>With a post_baseUrl, the message now announces the copy at the destination.</summary>
    private void Announce(NotificationMessage message, string remote, string? oldRemote)
    {
        if (_options.PostBaseUrl is not { } baseUrl)
        {
            return;
        }

        message.BaseUrl = baseUrl;
        message.RelPath = AnnouncedRelPath(remote);
        message.RetrievePath = null;
        message.Rename = null;
        if (message.FileOp is { Rename: not null } op)
        {
            message.FileOp = op with { Rename = oldRemote is null ? op.Rename : AnnouncedRelPath(oldRemote) };
        }
    }

    private string AnnouncedRelPath(string remote)
    {
        if (_options.PostBaseDir is { Length: > 0 } baseDir)
        {
            var root = baseDir.TrimEnd('/') + "/";
            if (remote.StartsWith(root, StringComparison.Ordinal))
            {
                return remote[root.Length..];
            }
        }

        return remote.TrimStart('/');
    }

    public ValueTask DisposeAsync() => _transfers.DisposeAsync();
}
