namespace Sluice.Core.Transfers;

/// <summary>
/// One connection to one server, reused for many files. Paths are server paths (for http, URL
/// paths relative to the server root; for file, local paths). Every operation honours
/// <see cref="TransferOptions.Timeout"/> and throws <see cref="TransferException"/> on failure.
/// An instance is used by one worker at a time.
/// </summary>
public interface ITransfer : IAsyncDisposable
{
    TransferOptions Options { get; }

    /// <summary>Opens the connection (and logs in). Called once; cheap to call again when connected.</summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<RemoteEntry>> ListAsync(string remoteDirectory, CancellationToken cancellationToken);

    /// <summary>
    /// Copies the remote file, from <paramref name="offset"/> for <paramref name="length"/> bytes
    /// (null: to the end), into <paramref name="destination"/>. Returns the number of bytes copied.
    /// </summary>
    Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="GetAsync(string, Stream, long, long?, CancellationToken)"/>, told the size the file was announced
    /// with (null: unknown), from which a transfer may choose how to fetch it (http fetches large files on a thread of
    /// its own).
    /// </summary>
    Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, long? announcedSize, CancellationToken cancellationToken) =>
        GetAsync(remotePath, destination, offset, length, cancellationToken);

    /// <summary>Writes <paramref name="source"/> to the remote path (created or replaced).</summary>
    Task PutAsync(Stream source, string remotePath, CancellationToken cancellationToken);

    Task DeleteAsync(string remotePath, CancellationToken cancellationToken);

    Task RenameAsync(string fromPath, string toPath, CancellationToken cancellationToken);

    /// <summary>Creates the directory and any missing parents; no error when it exists.</summary>
    Task MkdirAsync(string remoteDirectory, CancellationToken cancellationToken);

    Task SymlinkAsync(string target, string linkPath, CancellationToken cancellationToken);
}
