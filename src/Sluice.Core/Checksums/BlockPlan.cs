using Sluice.Core.Messages;

namespace Sluice.Core.Checksums;

/// <summary>
/// How a file is cut into blocks: the block size, the number of blocks, and the size of the last one
/// (the remainder, 0 when the file divides evenly). sr3's <c>blockSize</c>: 0 means 50 MiB blocks,
/// 1 means the whole file in one piece, any other value is the block size.
/// </summary>
internal sealed record BlockPlan(long FileSize, long BlockSize, long Count, long Remainder)
{
    /// <summary>sr3's block size when <c>blockSize 0</c> (automatic).</summary>
    public const long AutomaticBlockSize = 50L * 1024 * 1024;

    /// <summary>Each block's size and identity, when computed.</summary>
    public IReadOnlyList<BlockEntry>? Manifest { get; init; }

    /// <summary>Whether the file is sent in more than one piece.</summary>
    public bool IsPartitioned => Count > 1;

    /// <summary>The plan for a file of <paramref name="fileSize"/> bytes with sr3's <c>blockSize</c> setting.</summary>
    public static BlockPlan For(long fileSize, long blockSizeSetting)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileSize);
        ArgumentOutOfRangeException.ThrowIfNegative(blockSizeSetting);
        var blockSize = blockSizeSetting switch
        {
            0 => AutomaticBlockSize,
            1 => Math.Max(fileSize, 1),
            _ => blockSizeSetting,
        };
        if (fileSize <= blockSize)
        {
            return new BlockPlan(fileSize, blockSize, 1, 0);
        }

        var count = fileSize / blockSize;
        var remainder = fileSize % blockSize;
        return new BlockPlan(fileSize, blockSize, remainder == 0 ? count : count + 1, remainder);
    }

    /// <summary>The offset of block <paramref name="number"/>.</summary>
    public long OffsetOf(long number) => number * BlockSize;

    /// <summary>The size of block <paramref name="number"/> (the last may be shorter).</summary>
    public long SizeOf(long number)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(number, Count);
        if (Count == 1)
        {
            return FileSize;
        }

        return number == Count - 1 && Remainder != 0 ? Remainder : BlockSize;
    }

    /// <summary>The <c>blocks</c> field of the message announcing block <paramref name="number"/>.</summary>
    public Blocks ToBlocks(long number, string method = "inplace") =>
        new(method, BlockSize, number) { Manifest = Manifest };
}
