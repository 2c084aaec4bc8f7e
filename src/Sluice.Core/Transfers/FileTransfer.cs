namespace Sluice.Core.Transfers;

/// <summary>
/// The <c>file:</c> scheme: copies on the local (or a mounted) file system. Remote paths are
/// absolute local paths, or relative to the URL's path.
/// </summary>
internal sealed class FileTransfer : ITransfer
{
    private readonly string _root;

    public FileTransfer(TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _root = LocalPath(options.Url);
    }

    /// <summary>The local path of a <c>file:</c> URL (<c>file:/a/b</c>, <c>file:///a/b</c>; the host of <c>file://host/a</c> is ignored).</summary>
    internal static string LocalPath(string url)
    {
        var path = url["file:".Length..];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            path = path[2..];
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            path = slash < 0 ? "/" : path[slash..];
        }

        return string.IsNullOrEmpty(path) ? "/" : Uri.UnescapeDataString(path);
    }

    public TransferOptions Options { get; }

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<RemoteEntry>> ListAsync(string remoteDirectory, CancellationToken cancellationToken)
    {
        var dir = Resolve(remoteDirectory);
        return Wrap<IReadOnlyList<RemoteEntry>>(dir, () =>
        {
            var list = new List<RemoteEntry>();
            foreach (var info in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                var isDir = info is DirectoryInfo;
                var size = info is FileInfo f ? f.Length : 0;
                list.Add(new RemoteEntry(info.Name, size, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero), isDir, info.LinkTarget));
            }

            return list;
        });
    }

    public async Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var path = Resolve(remotePath);
        FileStream source;
        try
        {
            source = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, BufferSize = 0, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(path, e);
        }

        await using (source.ConfigureAwait(false))
        {
            source.Seek(offset, SeekOrigin.Begin);
            return await OperationTimeout.CopyAsync(Options, source, destination, length, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task PutAsync(Stream source, string remotePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var path = Resolve(remotePath);
        FileStream target;
        try
        {
            target = FileTarget.Open(path, FileAccess.Write, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(path, e);
        }

        await using (target.ConfigureAwait(false))
        {
            await OperationTimeout.CopyAsync(Options, source, target, null, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task DeleteAsync(string remotePath, CancellationToken cancellationToken)
    {
        var path = Resolve(remotePath);
        return Do(path, () =>
        {
            if (Directory.Exists(path) && !new DirectoryInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                Directory.Delete(path);
            }
            else
            {
                File.Delete(path);
            }

        });
    }

    public Task RenameAsync(string fromPath, string toPath, CancellationToken cancellationToken)
    {
        var from = Resolve(fromPath);
        var to = Resolve(toPath);
        return Do(from, () =>
        {
            if (Directory.Exists(from))
            {
                Directory.Move(from, to);
            }
            else
            {
                File.Move(from, to, overwrite: true);
            }

        });
    }

    public Task MkdirAsync(string remoteDirectory, CancellationToken cancellationToken)
    {
        var path = Resolve(remoteDirectory);
        return Do(path, () => Directory.CreateDirectory(path));
    }

    public Task SymlinkAsync(string target, string linkPath, CancellationToken cancellationToken)
    {
        var link = Resolve(linkPath);
        return Do(link, () => File.CreateSymbolicLink(link, target));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.Combine(_root, path);

    private Task Do(string path, Action action)
    {
        try
        {
            action();
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Task.FromException(Failure(path, e));
        }
    }

    private Task<T> Wrap<T>(string path, Func<T> action)
    {
        try
        {
            return Task.FromResult(action());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Task.FromException<T>(Failure(path, e));
        }
    }

    private TransferException Failure(string path, Exception e)
    {
        var transient = e is not (FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException);
        return new TransferException(Options.Url, $"{path}: {e.Message}", transient, e) { IsNotFound = e is FileNotFoundException or DirectoryNotFoundException };
    }
}
