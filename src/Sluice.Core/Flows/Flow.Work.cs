namespace Sluice.Core.Flows;

public sealed partial class Flow
{
    private readonly Dictionary<string, FileGate> _fileGates = new(StringComparer.Ordinal);

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
                    // write the same inflight file. sr3 works one message at a time, so this keeps its semantics. The
                    // gate is the file's own: a transfer that hangs holds up only messages about the same file.
                    // The work may change the message's relPath (a sender announces where it put the file): the gate is
                    // left under the name it was entered with.
                    var relPath = item.Message.RelPath;
                    var gate = await EnterFileAsync(relPath, cancellationToken).ConfigureAwait(false);
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
                        LeaveFile(relPath, gate);
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

    private async Task<FileGate> EnterFileAsync(string relPath, CancellationToken cancellationToken)
    {
        FileGate? gate;
        lock (_fileGates)
        {
            if (!_fileGates.TryGetValue(relPath, out gate))
            {
                gate = new FileGate();
                _fileGates[relPath] = gate;
            }

            gate.Users++;
        }

        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
            return gate;
        }
        catch
        {
            StopUsing(relPath, gate);
            throw;
        }
    }

    private void LeaveFile(string relPath, FileGate gate)
    {
        gate.Semaphore.Release();
        StopUsing(relPath, gate);
    }

    private void StopUsing(string relPath, FileGate gate)
    {
        lock (_fileGates)
        {
            if (--gate.Users == 0)
            {
                if (_fileGates.TryGetValue(relPath, out var current) && ReferenceEquals(current, gate))
                {
                    _fileGates.Remove(relPath);
                }

                gate.Semaphore.Dispose();
            }
        }
    }

    /// <summary>One file's turn: held by the message being worked, waited for by the others about the same file.</summary>
    private sealed class FileGate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
