namespace Sluice.Core.Flows;

public sealed partial class Flow
{
    private readonly SemaphoreSlim[] _fileStripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    private async Task WorkLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var item in _toWork.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            item.Code = 0;
            item.Reason = null;
            if (_work is null)
            {
                item.Code = ReportCodes.Ok;
                item.Outcome = WorkOutcome.Ok;
            }
            else
            {
                var outcome = WorkOutcome.Retry;
                var attempts = Math.Max(1, _options.Attempts);
                for (var attempt = 1; attempt <= attempts; attempt++)
                {
                    // Two messages about one file (a create and a modify, say) are never worked at once: they would
                    // write the same inflight file. sr3 works one message at a time, so this keeps its semantics.
                    var stripe = _fileStripes[(int)((uint)StringComparer.Ordinal.GetHashCode(item.Message.RelPath) % (uint)_fileStripes.Length)];
                    await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        outcome = await _work.DoAsync(item, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        outcome = WorkOutcome.Retry;
                        item.Code = ReportCodes.Failed;
                        item.Reason = ex.Message;
                    }
                    finally
                    {
                        stripe.Release();
                    }

                    if (outcome != WorkOutcome.Retry)
                    {
                        break;
                    }

                    if (item.Code == 0)
                    {
                        item.Code = ReportCodes.Failed;
                    }

                    FlowLog.WorkFailed(_logger, item.Code, item.Reason ?? ReportCodes.Describe(item.Code), attempt, attempts, item.Message.BaseUrl, item.Message.RelPath);
                }

                item.Outcome = outcome;
                if (outcome == WorkOutcome.Ok)
                {
                    item.Code = item.Code is 0 or ReportCodes.Failed ? ReportCodes.Ok : item.Code;
                    item.Reason = null;
                    Metrics.AddWorkOk(item.Message.Size ?? 0);
                }
                else if (outcome == WorkOutcome.Reject)
                {
                    item.Code = item.Code == 0 ? ReportCodes.Refused : item.Code;
                }
                else
                {
                    item.Code = item.Code == 0 ? ReportCodes.Failed : item.Code;
                    item.Failures++;
                    item.FirstFailure ??= _time.GetUtcNow();
                    Metrics.AddWorkFailed();
                }
            }

            Metrics.MarkProgress(_time.GetUtcNow());
            await _toPost.Writer.WriteAsync(item, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
