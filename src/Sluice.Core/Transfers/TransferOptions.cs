namespace Sluice.Core.Transfers;

/// <summary>Per-server transfer settings: sr3's <c>timeout</c>, <c>bufSize</c>, <c>tlsRigour</c>, and credentials' details.</summary>
public sealed record TransferOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public int BufferSize { get; init; } = 1 << 20;

    /// <summary><c>lax</c> accepts any certificate; <c>medium</c> and <c>strict</c> verify it.</summary>
    public string TlsRigour { get; init; } = "medium";

    public string? BearerToken { get; init; }

    public string? User { get; init; }

    public string? Password { get; init; }
}
