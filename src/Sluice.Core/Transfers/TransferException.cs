namespace Sluice.Core.Transfers;

/// <summary>
/// A transfer operation failed. <see cref="IsTransient"/> says whether retrying later may succeed
/// (network error, timeout, server unavailable) or not (not found, permission denied, unsupported).
/// The <see cref="Url"/> is always redacted (no password).
/// </summary>
public sealed class TransferException : SluiceException
{
    public TransferException(string url, string message, bool isTransient, Exception? innerException = null)
        : base($"{message} ({TransferOptions.Redact(url)})", innerException)
    {
        Url = TransferOptions.Redact(url);
        IsTransient = isTransient;
    }

    public string Url { get; }

    public bool IsTransient { get; }

    /// <summary>The remote file or directory does not exist (where the protocol says so unambiguously).</summary>
    public bool IsNotFound { get; init; }

    /// <summary>The HTTP status code of a refused http request; null for other protocols and failures.</summary>
    public int? StatusCode { get; init; }
}
