namespace Sluice.Core.Transfers;

/// <summary>sr3's <c>tlsRigour</c>: how strictly server certificates are checked.</summary>
public enum TlsRigour
{
    /// <summary>Accept any certificate (self-signed, wrong name, expired). Encryption only.</summary>
    Lax,

    /// <summary>The platform's normal chain and name validation (the default).</summary>
    Medium,

    /// <summary>Normal validation plus an online revocation check.</summary>
    Strict,
}
