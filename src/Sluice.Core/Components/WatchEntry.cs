namespace Sluice.Core.Components;

/// <summary>What a watch keeps of an entry of its trees: size (0 for directories and links), mtime (none for directories), and whether it is a directory.</summary>
internal readonly record struct WatchEntry(long Size, DateTime Mtime, bool IsDirectory);
