namespace Sluice.Core.Transfers;

/// <summary>Where and how a subscribe or sarra writes what it downloads (sr3's placement and transfer options).</summary>
public sealed record DownloadOptions
{
    /// <summary>The directory files go to (<c>directory</c>).</summary>
    public required string Directory { get; init; }

    /// <summary>Keep the relPath's directories under <see cref="Directory"/> (<c>mirror</c>; sarra's default).</summary>
    public bool Mirror { get; init; }

    /// <summary>Leading relPath directories to drop (<c>strip</c>).</summary>
    public int Strip { get; init; }

    /// <summary>How a file being written is hidden (<c>inflight</c>): a suffix such as <c>.tmp</c>, <c>tmp/</c>, <c>.</c> (prefix), or null to write in place.</summary>
    public string? Inflight { get; init; } = ".tmp";

    /// <summary>Accept a file whose size differs from the message's (<c>acceptSizeWrong</c>).</summary>
    public bool AcceptSizeWrong { get; init; }

    /// <summary>Replace files that are already there with the same content (<c>overwrite</c>); off skips them.</summary>
    public bool Overwrite { get; init; } = true;

    /// <summary>Give files the message's mtime and atime (<c>timeCopy</c>).</summary>
    public bool TimeCopy { get; init; } = true;

    /// <summary>Give files the message's mode (<c>permCopy</c>), else <see cref="PermDefault"/>.</summary>
    public bool PermCopy { get; init; } = true;

    /// <summary>The mode for new files when not copied (<c>permDefault</c>); 0: leave the umask's.</summary>
    public int PermDefault { get; init; }

    /// <summary>Re-announce downloads under this URL (<c>post_baseUrl</c>): what sarra does.</summary>
    public string? PostBaseUrl { get; init; }

    /// <summary>The local directory <see cref="PostBaseUrl"/> serves (<c>post_baseDir</c>).</summary>
    public string? PostBaseDir { get; init; }

    /// <summary>Delete the file at the source after downloading it (<c>delete</c>).</summary>
    public bool DeleteSource { get; init; }

    public TransferOptions Transfer { get; init; } = new();
}
