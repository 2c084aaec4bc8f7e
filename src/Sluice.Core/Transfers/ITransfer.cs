namespace Sluice.Core.Transfers;

/// <summary>
/// A connection to a data server (file, http, sftp, ftp), reused across many files. Paths are relative to the
/// URL the transfer was made for. Every operation has a timeout; failures are <see cref="TransferException"/>s
/// saying whether a retry may help.
/// </summary>
public interface ITransfer : IAsyncDisposable
{
    /// <summary>Opens the file for reading from <paramref name="offset"/> (all of it, or <paramref name="length"/> bytes).</summary>
    Task<Stream> OpenReadAsync(string path, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>Lists a directory (for poll).</summary>
    Task<IReadOnlyList<RemoteEntry>> ListAsync(string path, CancellationToken cancellationToken);

    /// <summary>Writes a file from <paramref name="source"/>.</summary>
    Task PutAsync(Stream source, string path, CancellationToken cancellationToken);

    Task DeleteAsync(string path, CancellationToken cancellationToken);

    Task RenameAsync(string from, string to, CancellationToken cancellationToken);

    Task MakeDirectoryAsync(string path, CancellationToken cancellationToken);

    Task SymlinkAsync(string target, string path, CancellationToken cancellationToken);
}
