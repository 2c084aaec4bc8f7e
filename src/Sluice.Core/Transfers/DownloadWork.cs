using System.Buffers;
using System.Collections.Concurrent;
using Sluice.Core.Checksums;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Core.Transfers;

/// <summary>
/// The work of subscribe and sarra: download each announced file into the flow's directory under an inflight
/// name, check its size and identity, then rename it into place, so a partial or corrupt file is never seen under
/// its final name; replay fileOps (link, remove, rename, mkdir, rmdir) locally. Every path from a message goes
/// through <see cref="PathSafety"/>.
/// </summary>
public sealed class DownloadWork(DownloadOptions options) : IFlowWork, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ITransfer> _transfers = new(StringComparer.Ordinal);

    public async ValueTask<WorkOutcome> DoAsync(FlowMessage item, CancellationToken cancellationToken)
    {
        var message = item.Message;
        string target;
        var root = item.Placement?.Directory ?? options.Directory;
        try
        {
            target = PathSafety.Resolve(root, Place(message, item.Placement));
        }
        catch (UnsafePathException ex)
        {
            item.Code = ReportCodes.Refused;
            item.Reason = ex.Message;
            return WorkOutcome.Reject;
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
        catch (UnsafePathException ex)
        {
            item.Code = ReportCodes.Refused;
            item.Reason = ex.Message;
            return WorkOutcome.Reject;
        }
        catch (TransferException ex)
        {
            // Not found may be a race with the source: retried until retry_ttl, like a server that is down.
            var notFound = ex.Message.Contains("404", StringComparison.Ordinal) || ex.Message.Contains("no such file", StringComparison.Ordinal);
            item.Code = ex.IsTransient ? ReportCodes.Failed : notFound ? ReportCodes.NotFound : ReportCodes.Refused;
            item.Reason = ex.Message;
            return ex.IsTransient || notFound ? WorkOutcome.Retry : WorkOutcome.Reject;
        }
        catch (IOException ex)
        {
            // A full disk, a permission problem: retry later, the message is not lost.
            item.Code = ReportCodes.Failed;
            item.Reason = $"{target}: {ex.Message}";
            return WorkOutcome.Retry;
        }
        catch (UnauthorizedAccessException ex)
        {
            item.Code = ReportCodes.Failed;
            item.Reason = $"{target}: {ex.Message}";
            return WorkOutcome.Retry;
        }
    }

    /// <summary>The file's place under the directory: the relPath (mirror, less <c>strip</c> directories) or the name.</summary>
    internal string Place(NotificationMessage message, Placement? placement = null)
    {
        var relPath = message.Rename is { Length: > 0 } rename ? rename.TrimStart('/') : message.RelPath;
        if (!(placement?.Mirror ?? options.Mirror))
        {
            return relPath[(relPath.LastIndexOf('/') + 1)..];
        }

        var strip = placement?.Strip ?? options.Strip;
        var parts = relPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('/', parts.Skip(Math.Min(strip, Math.Max(0, parts.Length - 1))));
    }

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
            PathSafety.CheckLinkTarget(item.Placement?.Directory ?? options.Directory, target, link);
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
        if (message.FileOp?.Rename is { } oldName && !options.Overwrite && File.Exists(target))
        {
            return WorkOutcome.Ok;
        }

        if (!options.Overwrite && await IsUpToDateAsync(message, target, cancellationToken).ConfigureAwait(false))
        {
            item.Code = ReportCodes.NotModified;
            item.Reason = "file already up to date";
            return WorkOutcome.Reject;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var inflight = InflightPath(target);
        Directory.CreateDirectory(Path.GetDirectoryName(inflight)!);
        var algorithm = message.Identity?.Method == "cod" ? message.Identity.Value : message.Identity?.Method;
        var method = algorithm is null ? null : IdentityMethods.Find(algorithm) is { IsChecksum: true } m ? m : null;
        long written;
        string? computed;
        try
        {
            (written, computed) = message.Content is { } content
                ? await WriteInlineAsync(content, inflight, method, cancellationToken).ConfigureAwait(false)
                : await DownloadAsync(message, inflight, method, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            File.Delete(inflight);
            throw;
        }

        if (message.Size is { } expected && written != expected && !options.AcceptSizeWrong && message.Blocks is null)
        {
            File.Delete(inflight);
            item.Code = ReportCodes.Corrupt;
            item.Reason = $"size mismatch: announced {expected} bytes, received {written}";
            return WorkOutcome.Retry;
        }

        if (method is not null && message.Identity!.Method != "cod" && computed != message.Identity.Value?.Replace("\n", string.Empty, StringComparison.Ordinal))
        {
            File.Delete(inflight);
            item.Code = ReportCodes.Corrupt;
            item.Reason = $"{method.Name} mismatch: announced {message.Identity.Value}, received {computed}";
            return WorkOutcome.Retry;
        }

        if (message.Identity?.Method == "cod" && computed is not null)
        {
            // Checksum on download: the receiver computes it and re-announces it.
            message.Identity = new Identity(method!.Name, computed);
        }

        ApplyMetadata(message, inflight);
        if (inflight != target)
        {
            File.Move(inflight, target, overwrite: true);
        }

        if (options.DeleteSource)
        {
            var transfer = Transfer(message.BaseUrl);
            await transfer.DeleteAsync(message.RetrievePath ?? message.RelPath, cancellationToken).ConfigureAwait(false);
        }

        return WorkOutcome.Ok;
    }

    private string InflightPath(string target) => options.Inflight switch
    {
        null or "" or "None" or "none" or "NONE" => target,
        "tmp/" => Path.Combine(Path.GetDirectoryName(target)!, "tmp", Path.GetFileName(target)),
        "." => Path.Combine(Path.GetDirectoryName(target)!, "." + Path.GetFileName(target)),
        var suffix => target + suffix,
    };

    private async Task<(long Written, string? Identity)> DownloadAsync(NotificationMessage message, string inflight, IIdentityMethod? method, CancellationToken cancellationToken)
    {
        var transfer = Transfer(message.BaseUrl);
        var path = message.RetrievePath ?? message.RelPath;
        await using var source = await transfer.OpenReadAsync(path, 0, null, cancellationToken).ConfigureAwait(false);
        await using var output = new FileStream(inflight, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 0,
            PreallocationSize = message.Size ?? 0,
        });
        using var hasher = method?.CreateHasher();
        var buffer = ArrayPool<byte>.Shared.Rent(options.Transfer.BufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hasher?.Append(buffer.AsSpan(0, read));
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
            }

            output.SetLength(total);
            return (total, hasher?.GetValueAndReset());
        }
        catch (IOException ex) when (ex is not FileNotFoundException && ex.InnerException is System.Net.Sockets.SocketException or System.Net.Http.HttpRequestException)
        {
            throw new TransferException(message.BaseUrl + path, "connection lost during the transfer: " + ex.Message, isTransient: true, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<(long Written, string? Identity)> WriteInlineAsync(Content content, string inflight, IIdentityMethod? method, CancellationToken cancellationToken)
    {
        var bytes = content.GetBytes();
        await File.WriteAllBytesAsync(inflight, bytes, cancellationToken).ConfigureAwait(false);
        using var hasher = method?.CreateHasher();
        hasher?.Append(bytes);
        return (bytes.Length, hasher?.GetValueAndReset());
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

    private void ApplyMetadata(NotificationMessage message, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (options.PermCopy && message.Mode is { } mode)
        {
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        }
        else if (options.PermDefault != 0)
        {
            File.SetUnixFileMode(path, (UnixFileMode)options.PermDefault);
        }

        if (options.TimeCopy)
        {
            if (message.Mtime is { } mtime && SrTime.TryParse(mtime, out var modified))
            {
                File.SetLastWriteTimeUtc(path, modified.UtcDateTime);
            }

            if (message.Atime is { } atime && SrTime.TryParse(atime, out var accessed))
            {
                File.SetLastAccessTimeUtc(path, accessed.UtcDateTime);
            }
        }
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

    private ITransfer Transfer(string baseUrl)
    {
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri))
        {
            throw new TransferException(baseUrl, "baseUrl is not an absolute URL", isTransient: false);
        }

        var key = uri.GetLeftPart(UriPartial.Authority) + uri.AbsolutePath;
        return _transfers.GetOrAdd(key, _ => TransferRegistry.Create(uri, options.Transfer));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var transfer in _transfers.Values)
        {
            await transfer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
