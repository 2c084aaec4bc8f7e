using System.Runtime.CompilerServices;
using System.Text;
using Sluice.Core.Checksums;
using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

/// <summary>
/// Builds the notification messages sr3's post and watch write for local files: identity, size, times,
/// mode, content type, blocks for large files, inline content for small ones; fileOp for directories,
/// symbolic links and removals. Field order follows sr3's, so the bodies match what sr3 posts.
/// </summary>
internal sealed class FileAnnouncer(AnnounceOptions options, TimeProvider? time = null)
{
    private static readonly MessageField[] FileOrder =
        [MessageField.Blocks, MessageField.PubTime, MessageField.RelPath, MessageField.BaseUrl, MessageField.FromCluster, MessageField.Source, MessageField.ToClusters,
         MessageField.Mode, MessageField.Size, MessageField.Mtime, MessageField.Atime, MessageField.Identity, MessageField.ContentType, MessageField.Content, MessageField.FileOp];

    private static readonly MessageField[] DirectoryOrder =
        [MessageField.PubTime, MessageField.RelPath, MessageField.BaseUrl, MessageField.FromCluster, MessageField.Source, MessageField.ToClusters,
         MessageField.Mode, MessageField.FileOp, MessageField.ContentType];

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// The messages for the given paths: each file (a partitioned file gives one message per block), each
    /// directory (announced before what it holds, when <see cref="AnnounceOptions.AnnounceDirectories"/>) and
    /// each symbolic link. Paths that vanish meanwhile are skipped.
    /// </summary>
    public async IAsyncEnumerable<NotificationMessage> AnnounceAsync(IEnumerable<string> paths, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var path in paths)
        {
            await foreach (var message in AnnouncePathAsync(Path.GetFullPath(path), cancellationToken).ConfigureAwait(false))
            {
                yield return message;
            }
        }
    }

    private async IAsyncEnumerable<NotificationMessage> AnnouncePathAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            yield return Link(path, info.LinkTarget);
            yield break;
        }

        if (Directory.Exists(path))
        {
            // post_baseDir itself is the root the relPaths start from: it has no relPath to announce.
            if (options.AnnounceDirectories && !IsBaseDir(path))
            {
                yield return DirectoryCreated(path);
            }

            if (!options.Recursive)
            {
                yield break;
            }

            var entries = new DirectoryInfo(path).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            foreach (var entry in entries)
            {
                await foreach (var message in AnnouncePathAsync(entry.FullName, cancellationToken).ConfigureAwait(false))
                {
                    yield return message;
                }
            }

            yield break;
        }

        if (!info.Exists)
        {
            yield break;
        }

        foreach (var message in await FileAsync(info, cancellationToken).ConfigureAwait(false))
        {
            yield return message;
        }
    }

    /// <summary>The messages for one regular file (more than one when it is partitioned).</summary>
    public async Task<IReadOnlyList<NotificationMessage>> FileAsync(FileInfo file, CancellationToken cancellationToken)
    {
        var plan = BlockPlan.For(file.Length, options.BlockSize);
        if (plan.IsPartitioned && options.Identity.PostMethod is { } blockMethod)
        {
            var computed = await FileIdentity.ComputeBlocksAsync(file.FullName, plan.BlockSize, blockMethod, cancellationToken, options.BufferSize).ConfigureAwait(false);
            var messages = new List<NotificationMessage>((int)computed.Count);
            for (long n = 0; n < computed.Count; n++)
            {
                var m = Base(file.FullName, FileOrder);
                FillStat(m, file);
                m.Blocks = computed.ToBlocks(n);
                m.Size = computed.SizeOf(n);
                m.Identity = new Identity(blockMethod.Name, computed.Manifest![(int)n].Identity);
                messages.Add(m);
            }

            return messages;
        }

        var message = Base(file.FullName, FileOrder);
        FillStat(message, file);
        message.Size = file.Length;
        if (options.Inline && file.Length <= options.InlineByteMax)
        {
            var bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false);
            message.Size = bytes.Length;
            message.Content = InlineContent(bytes);
            message.Identity = IdentityOf(bytes);
        }
        else
        {
            message.Identity = await FileIdentity.ComputeAsync(file.FullName, options.Identity, cancellationToken, options.BufferSize).ConfigureAwait(false);
        }

        message.ContentType = ContentTypes.Guess(file.Name);
        return [message];
    }

    /// <summary>The message for a new directory (<c>fileOp.directory</c>).</summary>
    public NotificationMessage DirectoryCreated(string path)
    {
        var m = Base(path, DirectoryOrder);
        m.Mode = Mode(path);
        m.FileOp = new FileOp { Directory = string.Empty };
        m.ContentType = "text/directory";
        return m;
    }

    /// <summary>The message for a removed file or directory (<c>fileOp.remove</c>).</summary>
    public NotificationMessage Removed(string path, bool directory)
    {
        var m = Base(path, DirectoryOrder);
        m.FileOp = directory ? new FileOp { Remove = string.Empty, Directory = string.Empty } : new FileOp { Remove = string.Empty };
        return m;
    }

    /// <summary>The message for a symbolic link (<c>fileOp.link</c> with the target as the link holds it).</summary>
    public NotificationMessage Link(string path, string target)
    {
        var m = Base(path, DirectoryOrder);
        m.FileOp = new FileOp { Link = target };
        return m;
    }

    /// <summary>The relPath of a local path: relative to post_baseDir, or the absolute path without its leading '/'.</summary>
    public string RelPath(string path)
    {
        var full = Path.GetFullPath(path);
        if (options.PostBaseDir is { } baseDir)
        {
            var root = Path.GetFullPath(baseDir).TrimEnd('/');
            if (full.StartsWith(root + "/", StringComparison.Ordinal))
            {
                return full[(root.Length + 1)..];
            }
        }

        return full.TrimStart('/');
    }

    private bool IsBaseDir(string path) =>
        options.PostBaseDir is { } baseDir && string.Equals(Path.GetFullPath(path).TrimEnd('/'), Path.GetFullPath(baseDir).TrimEnd('/'), StringComparison.Ordinal);

    private NotificationMessage Base(string path, MessageField[] order)
    {
        var m = new NotificationMessage(SrTime.Format(_time.GetUtcNow()), options.PostBaseUrl, RelPath(path))
        {
            Source = options.Source,
            FromCluster = options.FromCluster,
            ToClusters = options.ToClusters,
            FieldOrder = order,
        };
        if (options.Rename is { } rename)
        {
            // sr3's fromFileInfo: the rename given (a directory when it ends in '/', the file's name then appended).
            var renamed = Config.Variables.Expand(rename, Config.Variables.Context.Environment(_time));
            m.Rename = rename.EndsWith('/') ? renamed + Path.GetFileName(path) : renamed;
        }

        MessageFields.ApplyHeaders(m, options.Headers);
        return m;
    }

    private static void FillStat(NotificationMessage m, FileInfo file)
    {
        m.Mode = Mode(file.FullName);
        m.Mtime = SrTime.Format(file.LastWriteTimeUtc);
        m.Atime = SrTime.Format(file.LastAccessTimeUtc);
    }

    private static string? Mode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var mode = (int)File.GetUnixFileMode(path);
        return Convert.ToString(mode, 8);
    }

    private Identity? IdentityOf(byte[] bytes)
    {
        var method = options.Identity.PostMethod;
        if (method is null)
        {
            return options.Identity.Method == "cod" ? new Identity("cod", options.Identity.CodAlgorithm) : null;
        }

        using var hasher = method.CreateHasher();
        hasher.Append(bytes);
        return new Identity(method.Name, hasher.GetValueAndReset());
    }

    private static Content InlineContent(byte[] bytes)
    {
        try
        {
            return new Content("utf-8", StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            return new Content("base64", Convert.ToBase64String(bytes));
        }
    }
}
