using Sluice.Core.Config;
using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>Where and how a sender pushes local files (sr3's <c>sendTo</c>, placement and inflight options).</summary>
internal sealed record SendOptions
{
    /// <summary>The server files go to (<c>sendTo</c>, formerly <c>destination</c>): sftp, ftp(s), file or http(s).</summary>
    public required string SendTo { get; init; }

    /// <summary>
    /// The directory on the server (<c>directory</c>); empty: the login directory (sftp, ftp) or the path of
    /// <see cref="SendTo"/> (file).
    /// </summary>
    public string Directory { get; init; } = string.Empty;

    /// <summary>The local directory the relPaths of the messages are under (<c>baseDir</c>); null: the baseUrl's path for <c>file:</c>, else <c>/</c>.</summary>
    public string? BaseDir { get; init; }

    /// <summary>Keep the relPath's directories under <see cref="Directory"/> (<c>mirror</c>).</summary>
    public bool Mirror { get; init; }

    /// <summary>Leading relPath directories to drop (<c>strip</c>).</summary>
    public int Strip { get; init; }

    /// <summary>Replace the relPath's slashes by this in the file name (<c>flatten</c>); <c>/</c>: not flattened.</summary>
    public string Flatten { get; init; } = "/";

    /// <summary>sr3's <c>filename</c> (Sundew keywords: WHATFN, DESTFN=name, ...) for files no accept line placed; null: the name as announced.</summary>
    public string? Filename { get; init; }

    /// <summary>How a file being written on the server is hidden (<c>inflight</c>): <c>.tmp</c> (sr3's default for senders), <c>.</c>, <c>tmp/</c> or NONE.</summary>
    public string Inflight { get; init; } = ".tmp";

    /// <summary>Announce the sent files under this URL (<c>post_baseUrl</c>; <see cref="SendTo"/> when only a post_broker is given); null: announce nothing.</summary>
    public string? PostBaseUrl { get; init; }

    /// <summary>The server directory <see cref="PostBaseUrl"/> serves (<c>post_baseDir</c>): announced relPaths are relative to it.</summary>
    public string? PostBaseDir { get; init; }

    /// <summary><c>timeout</c> of each transfer operation.</summary>
    public TimeSpan Timeout { get; init; } = Defaults.Timeout;

    /// <summary><c>bufSize</c>.</summary>
    public int BufSize { get; init; } = Defaults.BufSize;

    /// <summary><c>tlsRigour</c>.</summary>
    public TlsRigour TlsRigour { get; init; } = TlsRigour.Medium;

    /// <summary>The server's details (password, ssh_keyfile, ftp modes, bearer token) by URL; null: the URL alone.</summary>
    public Func<string, TransferOptions>? ServerOptions { get; init; }
}
