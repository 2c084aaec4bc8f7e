namespace Sluice.Core.Transfers;

/// <summary>One entry of a remote directory listing.</summary>
public sealed record RemoteEntry(string Name, long Size, DateTimeOffset? Modified, bool IsDirectory, string? LinkTarget = null);
