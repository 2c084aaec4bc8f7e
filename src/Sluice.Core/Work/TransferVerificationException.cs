using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>
/// A downloaded file did not match what its notification message announced (size or identity),
/// after every attempt allowed. The flow reports it (417 for a checksum mismatch, 499 otherwise);
/// no file is left under the final name.
/// </summary>
internal sealed class TransferVerificationException : SluiceException
{
    public TransferVerificationException(string url, string path, VerificationFailure failure, string expected, string actual, int attempts)
        : base($"{(failure == VerificationFailure.Size ? "size" : "identity")} mismatch for {path} from {TransferOptions.Redact(url)}: expected {expected}, received {actual} (after {attempts} attempt(s))")
    {
        Url = TransferOptions.Redact(url);
        Path = path;
        Failure = failure;
        Expected = expected;
        Actual = actual;
        Attempts = attempts;
    }

    public string Url { get; }

    public string Path { get; }

    public VerificationFailure Failure { get; }

    public string Expected { get; }

    public string Actual { get; }

    public int Attempts { get; }

    /// <summary>The sr3 report code: 417 for a checksum mismatch, 499 for a wrong size.</summary>
    public int ReportCode => Failure == VerificationFailure.Identity ? 417 : 499;
}
