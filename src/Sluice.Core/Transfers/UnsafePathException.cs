namespace Sluice.Core.Transfers;

/// <summary>A path from a message would lead outside the directory a flow writes to; the message is rejected.</summary>
public sealed class UnsafePathException(string path, string reason)
    : SluiceException($"refused path \"{path}\": {reason}")
{
    public string Path { get; } = path;

    public string Reason { get; } = reason;
}
