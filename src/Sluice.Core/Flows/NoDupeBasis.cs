namespace Sluice.Core.Flows;

/// <summary>What two messages must share to be duplicates (sr3's <c>nodupe_basis</c>).</summary>
public enum NoDupeBasis
{
    /// <summary>Same identity (or mtime and size) and same relPath: the default.</summary>
    Path,

    /// <summary>Same identity and same file name, in any directory.</summary>
    Name,

    /// <summary>Same identity, whatever the name: the data itself (multi-source winnowing).</summary>
    Data,
}
