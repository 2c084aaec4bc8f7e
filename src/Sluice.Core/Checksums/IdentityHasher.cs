using System.Security.Cryptography;

namespace Sluice.Core.Checksums;

/// <summary>
/// Computes an identity value over content fed in pieces, so files of any size are hashed in one pass
/// with a fixed buffer. The value is base64, exactly as sr3 writes it.
/// </summary>
public sealed class IdentityHasher : IDisposable
{
    private readonly IncrementalHash? _hash;
    private readonly Func<string?>? _fixedValue;
    private long _length;

    internal IdentityHasher(HashAlgorithmName algorithm)
    {
        _hash = IncrementalHash.CreateHash(algorithm);
    }

    internal IdentityHasher(Func<string?> fixedValue)
    {
        _fixedValue = fixedValue;
    }

    /// <summary>How many bytes have been fed in.</summary>
    public long Length => _length;

    /// <summary>False for methods whose value does not depend on the content (the data need not be read).</summary>
    public bool NeedsContent => _hash is not null;

    public void Append(ReadOnlySpan<byte> data)
    {
        _hash?.AppendData(data);
        _length += data.Length;
    }

    /// <summary>The value for what was fed in since the last call, then starts again (for the next block).</summary>
    public string? GetValueAndReset()
    {
        _length = 0;
        if (_hash is null)
        {
            return _fixedValue!();
        }

        Span<byte> digest = stackalloc byte[64];
        var written = _hash.GetHashAndReset(digest);
        return Convert.ToBase64String(digest[..written]);
    }

    public void Dispose() => _hash?.Dispose();
}
