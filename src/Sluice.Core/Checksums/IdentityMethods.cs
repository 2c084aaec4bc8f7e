using System.Security.Cryptography;

namespace Sluice.Core.Checksums;

/// <summary>The identity methods by name: md5, sha256, sha384, sha512, arbitrary, random.</summary>
internal static class IdentityMethods
{
    public static readonly IIdentityMethod Md5 = new DigestMethod("md5", HashAlgorithmName.MD5);

    public static readonly IIdentityMethod Sha256 = new DigestMethod("sha256", HashAlgorithmName.SHA256);

    public static readonly IIdentityMethod Sha384 = new DigestMethod("sha384", HashAlgorithmName.SHA384);

    public static readonly IIdentityMethod Sha512 = new DigestMethod("sha512", HashAlgorithmName.SHA512);

    public static readonly IIdentityMethod Random = new ValueMethod("random", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

    /// <summary>The checksum methods a receiver can verify.</summary>
    public static IReadOnlyList<IIdentityMethod> Checksums { get; } = [Md5, Sha256, Sha384, Sha512];

    /// <summary>The method of that name, or null when there is none.</summary>
    public static IIdentityMethod? Find(string name) => name switch
    {
        "md5" => Md5,
        "sha256" => Sha256,
        "sha384" => Sha384,
        "sha512" => Sha512,
        "random" => Random,
        _ => null,
    };

    /// <summary>An <c>arbitrary</c> method: the value is supplied by the application (it may be null).</summary>
    public static IIdentityMethod Arbitrary(string? value) => new ValueMethod("arbitrary", () => value);

    private sealed class DigestMethod(string name, HashAlgorithmName algorithm) : IIdentityMethod
    {
        public string Name => name;

        public bool IsChecksum => true;

        public IdentityHasher CreateHasher() => new(algorithm);
    }

    private sealed class ValueMethod(string name, Func<string?> value) : IIdentityMethod
    {
        public string Name => name;

        public bool IsChecksum => false;

        public IdentityHasher CreateHasher() => new(value);
    }
}
