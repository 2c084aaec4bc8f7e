namespace Sluice.Core.Transfers;

/// <summary>One entry of a remote directory listing (what a poll sees).</summary>
/// <param name="Name">The file name, without directory.</param>
/// <param name="Size">Size in bytes, or -1 when the server does not say.</param>
/// <param name="ModifiedTime">Modification time, when the server says.</param>
/// <param name="IsDirectory">A directory.</param>
/// <param name="LinkTarget">For a symbolic link, where it points (empty when the protocol does not say: sftp); otherwise null.</param>
public sealed record RemoteEntry(string Name, long Size, DateTimeOffset? ModifiedTime, bool IsDirectory, string? LinkTarget = null);
