namespace Sluice.Core.Checksums;

/// <summary>
/// A way of computing a file's <c>identity</c> (sr3's <c>identity</c> option): a checksum of the content
/// (md5, sha256, sha384, sha512), or a value not computed from it (arbitrary, random).
/// </summary>
public interface IIdentityMethod
{
    /// <summary>The method's name in messages and configuration.</summary>
    string Name { get; }

    /// <summary>True when the value is a digest of the content (and so can be verified on receipt).</summary>
    bool IsChecksum { get; }

    /// <summary>A hasher to feed the content to; call once per file (or per block).</summary>
    IdentityHasher CreateHasher();
}
