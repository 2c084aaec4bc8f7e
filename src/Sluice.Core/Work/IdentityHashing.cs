using System.Security.Cryptography;

namespace Sluice.Core.Work;

/// <summary>Incremental checksums by sr3 method name.</summary>
internal static class IdentityHashing
{
    /// <summary>The algorithm to compute for a method, or null when the identity cannot be checked from content.</summary>
    public static HashAlgorithmName? AlgorithmFor(ExpectedIdentity? identity)
    {
        if (identity is null)
        {
            return null;
        }

        var method = identity.Method.ToLowerInvariant();
        if (method == "cod")
        {
            method = identity.Value.ToLowerInvariant();
        }

        return method switch
        {
            "sha512" or "s" => HashAlgorithmName.SHA512,
            "md5" or "d" => HashAlgorithmName.MD5,
            "sha256" => HashAlgorithmName.SHA256,
            _ => null,
        };
    }

    public static string MethodName(HashAlgorithmName algorithm) =>
        algorithm == HashAlgorithmName.SHA512 ? "sha512" : algorithm == HashAlgorithmName.MD5 ? "md5" : "sha256";
}
