namespace Sluice.Core.Work;

/// <summary>sr3's <c>timeCopy</c>, <c>permCopy</c>, <c>permDefault</c>, <c>permDirDefault</c>.</summary>
internal sealed record MetadataOptions
{
    /// <summary>Set mtime/atime of received files from the message (default on, as in sr3).</summary>
    public bool TimeCopy { get; init; } = true;

    /// <summary>Set the mode of received files from the message (default on, as in sr3).</summary>
    public bool PermCopy { get; init; } = true;

    /// <summary>Mode for files when the message has none or permCopy is off; 0 leaves the umask's.</summary>
    public int PermDefault { get; init; }

    /// <summary>Mode for directories created on the way (sr3 default 0o775).</summary>
    public int PermDirDefault { get; init; } = Convert.ToInt32("775", 8);
}
