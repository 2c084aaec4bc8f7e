namespace Sluice.Core.Transfers;

/// <summary>
/// A path taken from a message (relPath, retrievePath, rename, link target) would lead outside
/// the directory a flow was told to use, or is malformed. The message is rejected; nothing is written.
/// </summary>
public sealed class UnsafePathException : SluiceException
{
    public UnsafePathException(string path, string reason)
        : base($"refusing unsafe path \"{Printable(path)}\": {reason}")
    {
        Path = path;
        Reason = reason;
    }

    public string Path { get; }

    public string Reason { get; }

    private static string Printable(string path) => path.Replace("\0", "\\0", StringComparison.Ordinal);
}
