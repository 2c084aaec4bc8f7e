using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>
/// One file to download: where it is on the server, where it goes (a directory plus a path
/// relative to it, checked by <see cref="PathSafety"/>), and what the message announced.
/// </summary>
internal sealed record ReceiveRequest
{
    /// <summary>The path on the server (retrievePath, or baseUrl path + relPath).</summary>
    public required string RemotePath { get; init; }

    /// <summary>The directory the flow writes to; nothing is written outside it.</summary>
    public required string Directory { get; init; }

    /// <summary>The file's path relative to <see cref="Directory"/> (from relPath/rename).</summary>
    public required string RelPath { get; init; }

    /// <summary>The announced size, or null when the message has none.</summary>
    public long? ExpectedSize { get; init; }

    public ExpectedIdentity? Identity { get; init; }

    public DateTimeOffset? Mtime { get; init; }

    public DateTimeOffset? Atime { get; init; }

    public int? Mode { get; init; }
}
