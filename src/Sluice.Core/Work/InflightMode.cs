namespace Sluice.Core.Work;

/// <summary>sr3's <c>inflight</c>: how a file being written is hidden from readers.</summary>
internal enum InflightMode
{
    /// <summary><c>inflight .tmp</c> (default): written as <c>name.tmp</c>, renamed when complete.</summary>
    Suffix,

    /// <summary><c>inflight .</c>: written as <c>.name</c>, renamed when complete.</summary>
    Prefix,

    /// <summary><c>inflight tmp/</c>: written into a sub-directory, moved up when complete.</summary>
    Directory,

    /// <summary><c>inflight NONE</c> / <c>inplace</c>: written under the final name.</summary>
    None,
}
