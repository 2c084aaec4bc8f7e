namespace Sluice.Core.Messages;

/// <summary>
/// The <c>fileOp</c> field: non-data events. sr3 writes <c>{"link": target}</c>, <c>{"hlink": target}</c>,
/// <c>{"remove": ""}</c>, <c>{"rename": oldname}</c>, <c>{"directory": ""}</c> (mkdir) and
/// <c>{"remove": "", "directory": ""}</c> (rmdir); combinations such as rename + link are allowed.
/// The values of <c>remove</c> and <c>directory</c> are kept as given (normally empty strings).
/// </summary>
public sealed record FileOp
{
    public string? Link { get; init; }

    public string? HLink { get; init; }

    public string? Remove { get; init; }

    public string? Rename { get; init; }

    public string? Directory { get; init; }

    public bool IsRemove => Remove is not null;

    public bool IsDirectory => Directory is not null;

    /// <summary>Keys that are neither of the five above, with their raw JSON values, in order.</summary>
    public IReadOnlyList<Header>? Extra { get; init; }

    public bool Equals(FileOp? other) =>
        other is not null && Link == other.Link && HLink == other.HLink && Remove == other.Remove &&
        Rename == other.Rename && Directory == other.Directory &&
        (Extra is null ? other.Extra is null : other.Extra is not null && Extra.SequenceEqual(other.Extra));

    public override int GetHashCode() => HashCode.Combine(Link, HLink, Remove, Rename, Directory);
}
