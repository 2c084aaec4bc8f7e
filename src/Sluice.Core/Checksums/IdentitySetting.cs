namespace Sluice.Core.Checksums;

/// <summary>
/// The <c>identity</c> option as configured: a method (<c>sha512</c>, <c>md5</c>, <c>sha256</c>, <c>sha384</c>,
/// <c>arbitrary</c>, <c>random</c>), <c>cod,&lt;alg&gt;</c> (the receiver computes the checksum on download), or
/// <c>none</c> (no identity field at all).
/// </summary>
internal sealed record IdentitySetting
{
    private IdentitySetting(string method, string? codAlgorithm)
    {
        Method = method;
        CodAlgorithm = codAlgorithm;
    }

    public static IdentitySetting Default { get; } = new("sha512", null);

    public static IdentitySetting None { get; } = new("none", null);

    /// <summary>The method name (<c>cod</c> for checksum on download, <c>none</c> for no identity).</summary>
    public string Method { get; }

    /// <summary>For <c>cod</c>: the checksum the receiver computes.</summary>
    public string? CodAlgorithm { get; }

    /// <summary>The value written for <c>arbitrary</c> (sr3's <c>identity_arbitrary_value</c>).</summary>
    public string? ArbitraryValue { get; init; }

    /// <summary>Reads an <c>identity</c> option value.</summary>
    /// <exception cref="FormatException">Not a known method; the message lists the known ones.</exception>
    public static IdentitySetting Parse(string text)
    {
        var value = text.Trim().ToLowerInvariant();
        if (value.StartsWith("cod", StringComparison.Ordinal))
        {
            var algorithm = value.Length > 3 && value[3] == ',' ? value[4..] : "sha512";
            if (IdentityMethods.Find(algorithm) is not { IsChecksum: true })
            {
                throw new FormatException($"cod needs a checksum to compute (md5, sha256, sha384, sha512), not '{algorithm}'");
            }

            return new IdentitySetting("cod", algorithm);
        }

        return value switch
        {
            "none" or "0" => None,
            "md5" or "d" => new IdentitySetting("md5", null),
            "sha512" or "s" => Default,
            "sha256" or "sha384" or "random" or "arbitrary" => new IdentitySetting(value, null),
            _ => throw new FormatException($"unknown identity '{text}' (md5, sha256, sha384, sha512, arbitrary, random, cod,<alg>, none)"),
        };
    }

    /// <summary>The method that computes this setting's value when posting (null for none and cod).</summary>
    public IIdentityMethod? PostMethod => Method switch
    {
        "none" or "cod" => null,
        "arbitrary" => IdentityMethods.Arbitrary(ArbitraryValue),
        _ => IdentityMethods.Find(Method),
    };

    public override string ToString() => CodAlgorithm is null ? Method : $"cod,{CodAlgorithm}";
}
