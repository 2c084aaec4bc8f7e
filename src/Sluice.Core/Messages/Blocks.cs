namespace Sluice.Core.Messages;

/// <summary>
/// The <c>blocks</c> field of a partitioned file: <c>method</c> (inplace or partitioned), the block
/// <c>size</c>, which block this message announces (<c>number</c>), optionally <c>count</c> and
/// <c>remainder</c>, and the <c>manifest</c> of every block's size and identity.
/// </summary>
public sealed record Blocks(string Method, long Size, long Number)
{
    public long? Count { get; init; }

    public long? Remainder { get; init; }

    /// <summary>The manifest in the order it was written (sr3 writes block numbers as JSON keys).</summary>
    public IReadOnlyList<BlockEntry>? Manifest { get; init; }

    /// <summary>The number of blocks: <see cref="Count"/> when given, else the manifest's length.</summary>
    public long? EffectiveCount => Count ?? Manifest?.Count;

    public bool Equals(Blocks? other) =>
        other is not null && Method == other.Method && Size == other.Size && Number == other.Number &&
        Count == other.Count && Remainder == other.Remainder &&
        (Manifest is null ? other.Manifest is null : other.Manifest is not null && Manifest.SequenceEqual(other.Manifest));

    public override int GetHashCode() => HashCode.Combine(Method, Size, Number, Count, Remainder);
}
