namespace Sluice.Core.Work;

/// <summary>
/// A completed download: the final path, its size, the identity computed while receiving (for
/// <c>cod</c> this is what the flow re-announces), and how many attempts it took.
/// </summary>
internal sealed record ReceiveResult(string Path, long Size, ExpectedIdentity? ComputedIdentity, int Attempts);
