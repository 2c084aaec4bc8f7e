namespace Sluice.Core.Messages;

/// <summary>
/// The <c>identity</c> field: a checksum of the content, <c>{"method": ..., "value": base64}</c>.
/// For <c>cod</c> the value names the algorithm the receiver should use; for <c>arbitrary</c> it may
/// be null (sr3 writes <c>null</c>); for <c>random</c> it is an opaque string.
/// </summary>
public sealed record Identity(string Method, string? Value);
