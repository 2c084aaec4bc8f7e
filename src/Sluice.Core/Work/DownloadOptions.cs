using Sluice.Core.Config;
using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>Where and how a subscribe or sarra writes what it downloads (sr3's placement and transfer options).</summary>
internal sealed record DownloadOptions
{
    /// <summary>The directory files go to (<c>directory</c>).</summary>
    public required string Directory { get; init; }

    /// <summary>Keep the relPath's directories under <see cref="Directory"/> (<c>mirror</c>; sarra's default).</summary>
    public bool Mirror { get; init; }

    /// <summary>Leading relPath directories to drop (<c>strip</c>).</summary>
    public int Strip { get; init; }

    /// <summary>Replace the relPath's slashes by this in the file name (<c>flatten</c>); <c>/</c>: not flattened.</summary>
    public string Flatten { get; init; } = "/";

    /// <summary>sr3's <c>filename</c> (Sundew keywords: WHATFN, DESTFN=name, ...) for files no accept line placed; null: the name as announced.</summary>
    public string? Filename { get; init; }

    /// <summary>How a file being written is hidden (<c>inflight</c>): <c>.tmp</c> (suffix), <c>tmp/</c>, <c>.</c> (prefix), or NONE.</summary>
    public string Inflight { get; init; } = ".tmp";

    /// <summary>Accept a file whose size differs from the message's (<c>acceptSizeWrong</c>).</summary>
    public bool AcceptSizeWrong { get; init; }

    /// <summary>Replace files that are already there with the same content (<c>overwrite</c>); off skips them.</summary>
    public bool Overwrite { get; init; } = true;

    /// <summary>timeCopy, permCopy, permDefault, permDirDefault.</summary>
    public MetadataOptions Metadata { get; init; } = new();

    /// <summary>Re-announce downloads under this URL (<c>post_baseUrl</c>): what sarra does.</summary>
    public string? PostBaseUrl { get; init; }

    /// <summary>The local directory <see cref="PostBaseUrl"/> serves (<c>post_baseDir</c>).</summary>
    public string? PostBaseDir { get; init; }

    /// <summary>Delete the file at the source after downloading it (<c>delete</c>).</summary>
    public bool DeleteSource { get; init; }

    /// <summary><c>timeout</c> of each transfer operation.</summary>
    public TimeSpan Timeout { get; init; } = Defaults.Timeout;

    /// <summary><c>bufSize</c>.</summary>
    public int BufSize { get; init; } = Defaults.BufSize;

    /// <summary><c>tlsRigour</c>.</summary>
    public TlsRigour TlsRigour { get; init; } = TlsRigour.Medium;

    /// <summary>Most bytes per second received by the flow instance, all downloads together (<c>byteRateMax</c>); 0: no limit.</summary>
    public long ByteRateMax { get; init; }

    /// <summary>Files announced larger than this are not downloaded (<c>fileSizeMax</c>); 0: no limit.</summary>
    public long FileSizeMax { get; init; }

    /// <summary>Delete each file once it is downloaded and checked (<c>discard</c>).</summary>
    public bool Discard { get; init; }

    /// <summary>Where the blocks of partitioned files received so far are recorded; null: beside the file.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Per-server details (password, ssh_keyfile, ftp modes, bearer token) by URL; null: none.</summary>
    public Func<string, TransferOptions>? ServerOptions { get; init; }
}
