using Sluice.Core.Checksums;
using Sluice.Core.Config;

namespace Sluice.Core.Flows;

/// <summary>How files are announced (post, watch): sr3's <c>post_*</c>, <c>identity</c>, <c>blockSize</c> and inline options.</summary>
internal sealed record AnnounceOptions
{
    /// <summary>The URL the data is served under (<c>post_baseUrl</c>).</summary>
    public required string PostBaseUrl { get; init; }

    /// <summary>The local directory that <see cref="PostBaseUrl"/> serves (<c>post_baseDir</c>); relPaths are relative to it.</summary>
    public string? PostBaseDir { get; init; }

    public IdentitySetting Identity { get; init; } = IdentitySetting.Default;

    /// <summary>sr3's <c>blockSize</c>: 1 whole files (default), 0 automatic (50 MiB), N blocks of N bytes.</summary>
    public long BlockSize { get; init; } = Defaults.BlockSize;

    /// <summary>Put small files' content in the message (<c>inline</c>).</summary>
    public bool Inline { get; init; }

    /// <summary>Largest file put inline (<c>inlineByteMax</c>).</summary>
    public long InlineByteMax { get; init; } = Defaults.InlineByteMax;

    /// <summary>The <c>source</c> field (the broker user by default).</summary>
    public string? Source { get; init; }

    /// <summary>The <c>from_cluster</c> field (<c>cluster</c>).</summary>
    public string? FromCluster { get; init; }

    /// <summary>The <c>to_clusters</c> field.</summary>
    public string? ToClusters { get; init; }

    /// <summary>
    /// sr3's <c>rename</c>: the <c>rename</c> field of every message (variables expanded when it is built); ending in
    /// <c>/</c>, a directory the file's name is appended to. A downloader writes the file under that name.
    /// </summary>
    public string? Rename { get; init; }

    /// <summary>sr3's <c>header name=value</c>: set on every message.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Announce directories (mkdir) as well as files.</summary>
    public bool AnnounceDirectories { get; init; } = true;

    /// <summary>Descend into directories given.</summary>
    public bool Recursive { get; init; } = true;

    /// <summary>The buffer for checksums (<c>bufSize</c>).</summary>
    public int BufferSize { get; init; } = Defaults.BufSize;
}
