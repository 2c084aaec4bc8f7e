namespace Sluice.Core.Work;

/// <summary>
/// The identity a message announces: sr3's method name (<c>sha512</c>, <c>md5</c>, <c>sha256</c>,
/// <c>cod</c>, <c>arbitrary</c>, <c>random</c>) and the base64 value. For <c>cod</c> the value
/// names the algorithm to compute during download (<c>sha512</c> or <c>md5</c>).
/// </summary>
internal sealed record ExpectedIdentity(string Method, string Value);
