using Microsoft.Extensions.Logging;
using Sluice.Core.Logging;

namespace Sluice.Core.Flows;

/// <summary>
/// The flow's log events. Their wording keeps sr3's (<c>after_accept accepted:</c>, <c>rejected: 304 Not modified</c>,
/// <c>after_work downloaded ok:</c>, <c>after_post posted</c>) so operators' greps and scripts keep working.
/// </summary>
internal static partial class FlowLog
{
    [LoggerMessage(EventId = LogEvents.Flow.Accepted, Level = LogLevel.Information, Message = "after_accept accepted: (lag: {LagSeconds:F2} ) {BaseUrl} {RelPath}")]
    public static partial void Accepted(ILogger logger, double lagSeconds, string baseUrl, string relPath);

    [LoggerMessage(EventId = LogEvents.Flow.Rejected, Level = LogLevel.Information, Message = "rejected: {Code} {Reason} {BaseUrl} {RelPath}")]
    public static partial void Rejected(ILogger logger, int code, string reason, string baseUrl, string relPath);

    [LoggerMessage(EventId = LogEvents.Flow.Rejected, Level = LogLevel.Debug, Message = "rejected: {Code} {Reason} {BaseUrl} {RelPath}")]
    public static partial void RejectedQuietly(ILogger logger, int code, string reason, string baseUrl, string relPath);

    [LoggerMessage(EventId = LogEvents.Flow.WorkOk, Level = LogLevel.Information, Message = "after_work {Verb} ok: {LocalPath}")]
    public static partial void WorkOk(ILogger logger, string verb, string localPath);

    [LoggerMessage(EventId = LogEvents.Flow.WorkFailed, Level = LogLevel.Warning, Message = "after_work failed ({Code} {Reason}), attempt {Attempt} of {Attempts}: {BaseUrl} {RelPath}")]
    public static partial void WorkFailed(ILogger logger, int code, string reason, int attempt, int attempts, string baseUrl, string relPath);

    [LoggerMessage(EventId = LogEvents.Flow.Posted, Level = LogLevel.Information, Message = "after_post posted {Count} message(s), last: {BaseUrl} {RelPath}")]
    public static partial void Posted(ILogger logger, int count, string baseUrl, string relPath);

    [LoggerMessage(EventId = LogEvents.Flow.QueuedForRetry, Level = LogLevel.Warning, Message = "queued for retry ({Failures} failure(s)): {RelPath}")]
    public static partial void QueuedForRetry(ILogger logger, int failures, string relPath);

    [LoggerMessage(EventId = LogEvents.Flow.RetryDropped, Level = LogLevel.Warning, Message = "retry dropped, the configuration now rejects it: {Reason} {BaseUrl} {RelPath}")]
    public static partial void RetryDropped(ILogger logger, string reason, string baseUrl, string relPath);

    [LoggerMessage(EventId = LogEvents.Flow.GivenUp, Level = LogLevel.Error, Message = "giving up after {Failures} failure(s) since {FirstFailure:u}: {Code} {Reason} {BaseUrl} {RelPath}")]
    public static partial void GivenUp(ILogger logger, int failures, DateTimeOffset firstFailure, int code, string reason, string baseUrl, string relPath);

    [LoggerMessage(EventId = LogEvents.Flow.PostFailed, Level = LogLevel.Warning, Message = "post failed, {Count} message(s) queued for post retry: {Reason}")]
    public static partial void PostFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = LogEvents.Flow.RetryDamaged, Level = LogLevel.Warning, Message = "retry queue {Queue}: damaged entry skipped: {Detail}")]
    public static partial void RetryDamaged(ILogger logger, string queue, string detail);

    [LoggerMessage(EventId = LogEvents.Flow.Housekeeping, Level = LogLevel.Information, Message = "on_housekeeping: received {Received} accepted {Accepted} rejected {Rejected} duplicates {Duplicates} ok {Ok} failed {Failed} posted {Posted} retry queue {RetryQueued}")]
    public static partial void Housekeeping(ILogger logger, long received, long accepted, long rejected, long duplicates, long ok, long failed, long posted, long retryQueued);

    [LoggerMessage(EventId = LogEvents.Flow.CountReached, Level = LogLevel.Information, Message = "messageCountMax {Count} reached, stopping")]
    public static partial void CountReached(ILogger logger, long count);

    [LoggerMessage(EventId = LogEvents.Flow.CallbackFailed, Level = LogLevel.Error, Message = "callback {Callback} failed at {EntryPoint}: {Reason}")]
    public static partial void CallbackFailed(ILogger logger, string callback, string entryPoint, string reason);
}
