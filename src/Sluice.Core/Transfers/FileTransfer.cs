namespace Sluice.Core.Transfers;

/// <summary>Local files (<c>file:</c> URLs): the path of the URL is the root.</summary>
public sealed class FileTransfer(Uri root, TransferOptions options) : ITransfer
{
    private readonly string _root = Uri.UnescapeDataString(root.AbsolutePath);

    private string Local(string path) => Path.Combine(_root, path.TrimStart('/'));

    public Task<Stream> OpenReadAsync(string path, long offset, long? length, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(Local(path), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
                BufferSize = 0,
            });
            stream.Position = offset;
            return Task.FromResult<Stream>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TransferException(new Uri(root, path).ToString(), "no such file", isTransient: false, ex);
        }
        catch (IOException ex)
        {
            throw new TransferException(new Uri(root, path).ToString(), ex.Message, isTransient: true, ex);
        }
    }

    public Task<IReadOnlyList<RemoteEntry>> ListAsync(string path, CancellationToken cancellationToken)
    {
        var entries = new DirectoryInfo(Local(path)).EnumerateFileSystemInfos()
            .Select(i => new RemoteEntry(i.Name, i is FileInfo f ? f.Length : 0, new DateTimeOffset(i.LastWriteTimeUtc, TimeSpan.Zero), i is DirectoryInfo, i.LinkTarget))
            .ToList();
        return Task.FromResult<IReadOnlyList<RemoteEntry>>(entries);
    }

    public async Task PutAsync(Stream source, string path, CancellationToken cancellationToken)
    {
        var target = Local(path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, options.BufferSize, useAsync: true);
        await source.CopyToAsync(output, options.BufferSize, cancellationToken).ConfigureAwait(false);
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var local = Local(path);
        if (Directory.Exists(local))
        {
            Directory.Delete(local);
        }
        else
        {
            File.Delete(local);
        }

        return Task.CompletedTask;
    }

    public Task RenameAsync(string from, string to, CancellationToken cancellationToken)
    {
        File.Move(Local(from), Local(to), overwrite: true);
        return Task.CompletedTask;
    }

    public Task MakeDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Local(path));
        return Task.CompletedTask;
    }

    public Task SymlinkAsync(string target, string path, CancellationToken cancellationToken)
    {
        File.CreateSymbolicLink(Local(path), target);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
