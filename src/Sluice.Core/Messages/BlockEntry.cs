namespace Sluice.Core.Messages;

/// <summary>One entry of a <c>blocks.manifest</c>: the block number, its size and its identity value.</summary>
public sealed record BlockEntry(long Number, long Size, string? Identity);
