using Sluice.Core.Flows;
using Sluice.Core.Transfers;

namespace Sluice.Core.Work;

/// <summary>
/// The disposition of one failure of the work stage (download, send) and the sr3 report code it is reported with.
/// Decided by the failure's type and the facts the transfers set (<see cref="TransferException.IsTransient"/>,
/// <see cref="TransferException.IsNotFound"/>, <see cref="TransferException.StatusCode"/>), never by the text of a
/// message. Stopping the flow is not among them: nothing one message does stops a flow; what would (an unknown
/// <c>sendTo</c> scheme) is found when the work is built.
/// </summary>
internal readonly record struct Disposition(DispositionKind Kind, int Code)
{
    /// <summary>The outcome the flow is told: retry (for a retry or a reconnect) or reject.</summary>
    public WorkOutcome Outcome => Kind == DispositionKind.Reject ? WorkOutcome.Reject : WorkOutcome.Retry;

    /// <summary>
    /// The disposition of <paramref name="failure"/>, or null for a failure the work stage does not know (a defect):
    /// the flow retries those and logs them.
    /// </summary>
    public static Disposition? For(Exception failure) => failure switch
    {
        // A path from a message that would lead outside the directory: the message is at fault, never the server.
        UnsafePathException => new(DispositionKind.Reject, ReportCodes.Refused),

        // The file received differs from what was announced: it may be rewritten at the source meanwhile.
        TransferVerificationException v => new(DispositionKind.Retry, v.ReportCode),

        // Not there: announced, then removed at the source before it was fetched. Retrying would not bring it back.
        TransferException { IsNotFound: true } => new(DispositionKind.Reject, ReportCodes.NotFound),

        // The server answered (an http 5xx, 408, 429): the connection is fine, the server is not ready.
        TransferException { IsTransient: true, StatusCode: not null } => new(DispositionKind.Retry, ReportCodes.Failed),

        // The connection failed (lost, timed out, refused, a broken session).
        TransferException { IsTransient: true } => new(DispositionKind.Reconnect, ReportCodes.Failed),

        // Refused for good (permission denied, an unknown scheme, an operation the protocol cannot do).
        TransferException => new(DispositionKind.Reject, ReportCodes.Refused),

        // Local: a full disk (ENOSPC), a permission problem, a disk error. The operator can fix it; the message must
        // not be lost, so it is retried, never rejected.
        IOException or UnauthorizedAccessException => new(DispositionKind.Retry, ReportCodes.Failed),

        _ => null,
    };

    /// <summary>Sets the report code and reason of <paramref name="item"/> and returns the flow's outcome.</summary>
    public WorkOutcome Apply(FlowMessage item, string reason)
    {
        item.Code = Code;
        item.Reason = reason;
        return Outcome;
    }
}
