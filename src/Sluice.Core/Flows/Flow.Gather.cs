using Sluice.Core.Formats;

namespace Sluice.Core.Flows;

public sealed partial class Flow
{
    private async Task GatherLoopAsync(CancellationToken cancellationToken)
    {
        var nextHousekeeping = _time.GetUtcNow() + _options.Housekeeping;
        while (!cancellationToken.IsCancellationRequested)
        {
            Metrics.MarkTick(_time.GetUtcNow());
            if (CountReached)
            {
                FlowLog.CountReached(_logger, _options.MessageCountMax);
                return;
            }

            if (_time.GetUtcNow() >= nextHousekeeping)
            {
                await HousekeepingAsync(cancellationToken).ConfigureAwait(false);
                nextHousekeeping = _time.GetUtcNow() + _options.Housekeeping;
            }

            var want = _options.Batch;
            if (_options.MessageCountMax > 0)
            {
                want = (int)Math.Min(want, _options.MessageCountMax - Interlocked.Read(ref _handled));
            }

            IReadOnlyList<FlowMessage> batch;
            try
            {
                batch = await _input.ReceiveAsync(want, _options.ReceiveWait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (batch.Count == 0)
            {
                if (await PumpRetriesAsync(cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                if (_input.IsComplete && Volatile.Read(ref _retriesOutstanding) == 0)
                {
                    return;
                }

                continue;
            }

            Interlocked.Add(ref _handled, batch.Count);
            Metrics.AddReceived(batch.Count);
            Metrics.MarkReceived(_time.GetUtcNow());
            await FilterAsync(batch, cancellationToken).ConfigureAwait(false);
            await ThrottleAsync(batch.Count, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FilterAsync(IReadOnlyList<FlowMessage> batch, CancellationToken cancellationToken)
    {
        var worklist = new Worklist();
        var now = _time.GetUtcNow();
        foreach (var item in batch)
        {
            var message = item.Message;
            var lag = SrTime.TryParse(message.PubTime, out var pubTime) ? now - pubTime : TimeSpan.Zero;
            Metrics.SetLag(lag);
            if (_options.MessageAgeMax > TimeSpan.Zero && lag > _options.MessageAgeMax)
            {
                Reject(worklist, item, ReportCodes.TooOld, $"message too old (lag {lag.TotalSeconds:F0}s > messageAgeMax {_options.MessageAgeMax.TotalSeconds:F0}s)");
                continue;
            }

            var decision = _filter(item);
            if (!decision.Accepted)
            {
                Reject(worklist, item, ReportCodes.NotModified, decision.Reason ?? "unmatched");
                continue;
            }

            string? key = null;
            if (_nodupe is not null && !_nodupe.TryRemember(message, out key))
            {
                Metrics.AddDuplicate();
                Reject(worklist, item, ReportCodes.NotModified, "Not modified");
                continue;
            }

            item.NoDupeKey = key;
            worklist.Incoming.Add(item);
            FlowLog.Accepted(_logger, lag.TotalSeconds, message.BaseUrl, message.RelPath);
        }

        foreach (var callback in _callbacks)
        {
            await RunCallbackAsync(callback, "after_accept", () => callback.AfterAcceptAsync(worklist, cancellationToken)).ConfigureAwait(false);
        }

        // Callbacks reject by moving messages; whatever left Incoming without a code was rejected by them.
        foreach (var item in worklist.Rejected)
        {
            if (item.Code == 0)
            {
                item.Code = ReportCodes.Refused;
            }

            LogRejected(item.Code, item.Reason ?? ReportCodes.Describe(item.Code), item.Message);
        }

        Metrics.AddAccepted(worklist.Incoming.Count);
        Metrics.AddRejected(worklist.Rejected.Count);
        await ReportAsync(worklist.Rejected, cancellationToken).ConfigureAwait(false);
        await AcknowledgeAsync(worklist.Rejected, CancellationToken.None).ConfigureAwait(false);
        Metrics.MarkProgress(_time.GetUtcNow());
        Metrics.AddInFlight(worklist.Incoming.Count);
        foreach (var item in worklist.Incoming)
        {
            await _toWork.Writer.WriteAsync(item, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static void Reject(Worklist worklist, FlowMessage item, int code, string reason)
    {
        Worklist.Reject(item, code, reason);
        worklist.Rejected.Add(item);
    }

    private async Task RunCallbackAsync(IFlowCallback callback, string entryPoint, Func<ValueTask> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failing callback is logged; the messages keep their place (sr3 does the same).
            FlowLog.CallbackFailed(_logger, callback.Name, entryPoint, ex.Message);
        }
    }

    private async Task ThrottleAsync(int count, CancellationToken cancellationToken)
    {
        if (_options.MessageRateMax <= 0)
        {
            return;
        }

        var delay = TimeSpan.FromSeconds(count / _options.MessageRateMax);
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
