using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

public sealed partial class Flow
{
    private async Task PostLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _toPost.Reader;
        var batch = new List<FlowMessage>(_options.Batch);
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.Batch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count > 0)
            {
                await PostBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task PostBatchAsync(List<FlowMessage> batch, CancellationToken cancellationToken)
    {
        var worklist = new Worklist();
        foreach (var item in batch)
        {
            var list = item.Outcome switch
            {
                WorkOutcome.Ok => worklist.Ok,
                WorkOutcome.Retry => worklist.Failed,
                _ => worklist.Rejected,
            };
            list.Add(item);
        }

        foreach (var callback in _callbacks)
        {
            await RunCallbackAsync(callback, "after_work", () => callback.AfterWorkAsync(worklist, cancellationToken)).ConfigureAwait(false);
        }

        foreach (var item in worklist.Ok)
        {
            if (item.LocalPath is not null)
            {
                FlowLog.WorkOk(_logger, _options.WorkVerb, item.LocalPath);
            }
        }

        if (_output is not null && worklist.Ok.Count > 0)
        {
            var messages = new List<NotificationMessage>(worklist.Ok.Count);
            foreach (var item in worklist.Ok)
            {
                messages.Add(item.Message);
            }

            try
            {
                await _output.PublishAsync(messages, cancellationToken).ConfigureAwait(false);
                Metrics.AddPosted(messages.Count);
                var last = messages[^1];
                FlowLog.Posted(_logger, messages.Count, last.BaseUrl, last.RelPath);
            }
            catch (Exception ex) when (ex is SluiceException or IOException or TimeoutException)
            {
                FlowLog.PostFailed(_logger, messages.Count, ex.Message);
                if (!QueuePosts(messages))
                {
                    foreach (var item in worklist.Ok)
                    {
                        item.HoldAcknowledgement = true;
                    }
                }
            }
        }

        foreach (var callback in _callbacks)
        {
            await RunCallbackAsync(callback, "after_post", () => callback.AfterPostAsync(worklist, cancellationToken)).ConfigureAwait(false);
        }

        foreach (var item in worklist.Rejected)
        {
            LogRejected(item.Code, item.Reason ?? ReportCodes.Describe(item.Code), item.Message);
        }

        var givenUp = QueueFailures(worklist.Failed);
        Metrics.AddRejected(worklist.Rejected.Count);
        await ReportAsync(worklist.Ok, cancellationToken).ConfigureAwait(false);
        await ReportAsync(worklist.Rejected.Concat(givenUp), cancellationToken).ConfigureAwait(false);

        await AcknowledgeAsync(batch, CancellationToken.None).ConfigureAwait(false);
        Metrics.AddInFlight(-batch.Count);
        Metrics.MarkProgress(_time.GetUtcNow());
        var fromRetry = batch.Count(b => b.IsRetry);
        if (fromRetry > 0 && Interlocked.Add(ref _retriesOutstanding, -fromRetry) == 0)
        {
            lock (_retryLock)
            {
                _workRetry?.Commit();
                UpdateRetryMetric();
            }
        }
    }

    /// <summary>Puts failed messages in the retry queue, or gives them up when their retries ran out.</summary>
    private List<FlowMessage> QueueFailures(List<FlowMessage> failed)
    {
        var givenUp = new List<FlowMessage>();
        var now = _time.GetUtcNow();
        foreach (var item in failed)
        {
            _nodupe?.Forget(item.Message);
            var first = item.FirstFailure ?? now;
            var expired = _options.RetryTtl > TimeSpan.Zero && now - first > _options.RetryTtl;
            var tooMany = _options.RetryCountMax > 0 && item.Failures >= _options.RetryCountMax;
            if (_workRetry is null && !expired && !tooMany)
            {
                // Nowhere durable to keep it: leave it unacknowledged so the broker delivers it again.
                item.HoldAcknowledgement = true;
                continue;
            }

            if (_workRetry is null || expired || tooMany)
            {
                Metrics.AddGivenUp();
                FlowLog.GivenUp(_logger, item.Failures, first, item.Code, item.Reason ?? ReportCodes.Describe(item.Code), item.Message.BaseUrl, item.Message.RelPath);
                givenUp.Add(item);
                continue;
            }

            lock (_retryLock)
            {
                _workRetry.Enqueue(new RetryItem(item.Message, item.Failures, first));
            }

            FlowLog.QueuedForRetry(_logger, item.Failures, item.Message.RelPath);
        }

        lock (_retryLock)
        {
            UpdateRetryMetric();
        }

        return givenUp;
    }

    /// <summary>Keeps messages whose post failed for a later try; false when there is nowhere durable to keep them.</summary>
    private bool QueuePosts(List<NotificationMessage> messages)
    {
        if (_postRetry is null)
        {
            return false;
        }

        var now = _time.GetUtcNow();
        lock (_retryLock)
        {
            foreach (var message in messages)
            {
                _postRetry.Enqueue(new RetryItem(message, 1, now));
            }

            UpdateRetryMetric();
        }

        return true;
    }

    /// <summary>
    /// When there is no new data, hands messages from the retry queues back to the work and post stages
    /// (new data first). Returns true when it did.
    /// </summary>
    private async Task<bool> PumpRetriesAsync(CancellationToken cancellationToken)
    {
        if (_workRetry is null || Volatile.Read(ref _retriesOutstanding) > 0 || _time.GetUtcNow() - _lastRetry < _options.RetryInterval)
        {
            return false;
        }

        _lastRetry = _time.GetUtcNow();
        await RetryPostsAsync(cancellationToken).ConfigureAwait(false);

        List<RetryItem> items;
        var damaged = new List<string>();
        lock (_retryLock)
        {
            items = _workRetry.Take(_options.Batch, damaged);
            if (items.Count == 0)
            {
                _workRetry.Commit();
            }
        }

        foreach (var detail in damaged)
        {
            FlowLog.RetryDamaged(_logger, "work_retry", detail);
        }

        if (items.Count == 0)
        {
            return false;
        }

        Interlocked.Add(ref _retriesOutstanding, items.Count);
        Metrics.AddInFlight(items.Count);
        foreach (var retry in items)
        {
            var item = new FlowMessage(retry.Message) { Failures = retry.Failures, FirstFailure = retry.FirstFailure, IsRetry = true, Received = _time.GetUtcNow() };

            // The queue keeps the message, not the placement its accept line gave it: the masks give it again.
            var decision = _filter(item);
            if (!decision.Accepted)
            {
                FlowLog.RetryDropped(_logger, decision.Reason ?? "unmatched", retry.Message.BaseUrl, retry.Message.RelPath);
                Metrics.AddRejected(1);
                Metrics.AddInFlight(-1);
                if (Interlocked.Decrement(ref _retriesOutstanding) == 0)
                {
                    lock (_retryLock)
                    {
                        _workRetry.Commit();
                        UpdateRetryMetric();
                    }
                }

                continue;
            }

            await _toWork.Writer.WriteAsync(item, CancellationToken.None).ConfigureAwait(false);
        }

        return true;
    }

    private async Task RetryPostsAsync(CancellationToken cancellationToken)
    {
        if (_postRetry is null || _output is null)
        {
            return;
        }

        List<RetryItem> items;
        lock (_retryLock)
        {
            items = _postRetry.Take(_options.Batch);
        }

        if (items.Count == 0)
        {
            return;
        }

        try
        {
            await _output.PublishAsync(items.Select(i => i.Message).ToList(), cancellationToken).ConfigureAwait(false);
            Metrics.AddPosted(items.Count);
            lock (_retryLock)
            {
                _postRetry.Commit();
                UpdateRetryMetric();
            }
        }
        catch (Exception ex) when (ex is SluiceException or IOException or TimeoutException or OperationCanceledException)
        {
            lock (_retryLock)
            {
                _postRetry.Rewind();
            }

            FlowLog.PostFailed(_logger, items.Count, "retry: " + ex.Message);
        }
    }

    private void UpdateRetryMetric() => Metrics.SetRetryQueued((_workRetry?.Count ?? 0) + (_postRetry?.Count ?? 0));

    private async Task HousekeepingAsync(CancellationToken cancellationToken)
    {
        _nodupe?.Housekeeping();
        foreach (var callback in _callbacks)
        {
            await RunCallbackAsync(callback, "on_housekeeping", () => callback.OnHousekeepingAsync(cancellationToken)).ConfigureAwait(false);
        }

        FlowLog.Housekeeping(_logger, Metrics.Received, Metrics.Accepted, Metrics.Rejected, Metrics.Duplicates, Metrics.WorkOk, Metrics.WorkFailed, Metrics.Posted, Metrics.RetryQueued);
    }
}
