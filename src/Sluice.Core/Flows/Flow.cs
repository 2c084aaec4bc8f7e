using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sluice.Core.Formats;

namespace Sluice.Core.Flows;

/// <summary>
/// The flow engine: gather -> filter -> work -> post, stages joined by bounded channels. A consumed message is
/// acknowledged only after its work and post are confirmed, or after it is in the durable retry queue, or
/// after it was rejected with a logged reason. Every component (subscribe, sarra, shovel, winnow, sender,
/// post, watch, poll) is this engine with other inputs, work and defaults.
/// </summary>
public sealed partial class Flow : IAsyncDisposable
{
    private readonly FlowOptions _options;
    private readonly IFlowInput _input;
    private readonly IFlowWork? _work;
    private readonly IFlowOutput? _output;
    private readonly IFlowOutput? _reports;
    private readonly Func<FlowMessage, FilterDecision> _filter;
    private readonly IReadOnlyList<IFlowCallback> _callbacks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NoDupeCache? _nodupe;
    private readonly DiskQueue? _workRetry;
    private readonly DiskQueue? _postRetry;
    private readonly Lock _retryLock = new();
    private readonly Channel<FlowMessage> _toWork;
    private readonly Channel<FlowMessage> _toPost;
    private readonly IReadOnlyList<IAsyncDisposable> _owned;
    private long _handled;
    private int _disposed;
    private int _retriesOutstanding;
    private DateTimeOffset _lastRetry;
    private CancellationTokenSource? _abort;

    internal Flow(
        FlowOptions options,
        IFlowInput input,
        IFlowWork? work,
        IFlowOutput? output,
        ILogger logger,
        TimeProvider? time = null,
        Func<FlowMessage, FilterDecision>? filter = null,
        IReadOnlyList<IFlowCallback>? callbacks = null,
        IFlowOutput? reports = null,
        IReadOnlyList<IAsyncDisposable>? owned = null)
    {
        _options = options;
        _input = input;
        _work = work;
        _output = output;
        _reports = reports;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _filter = filter ?? (_ => FilterDecision.Accept);
        _callbacks = callbacks ?? [];
        _owned = owned ?? [];
        foreach (var callback in _callbacks)
        {
            callback.Attach(logger, _time);
        }

        _lastRetry = DateTimeOffset.MinValue;
        if (options.NoDupeTtl > TimeSpan.Zero)
        {
            var journal = options.StateDirectory is null ? null : Path.Combine(options.StateDirectory, $"recent_files_{options.Instance:D3}.journal");
            _nodupe = new NoDupeCache(options.NoDupeTtl, options.NoDupeBasis, journal, _time);
        }

        if (options.StateDirectory is not null)
        {
            _workRetry = new DiskQueue(options.StateDirectory, $"work_retry_{options.Instance:D2}");
            _postRetry = new DiskQueue(options.StateDirectory, $"post_retry_{options.Instance:D3}");
            Metrics.SetRetryQueued(_workRetry.Count + _postRetry.Count);
        }

        var capacity = Math.Max(options.Batch, options.Concurrency * 2);
        _toWork = Channel.CreateBounded<FlowMessage>(new BoundedChannelOptions(capacity) { SingleReader = false, SingleWriter = false });
        _toPost = Channel.CreateBounded<FlowMessage>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = false });
    }

    /// <summary>The flow's counters.</summary>
    public FlowMetrics Metrics { get; } = new();

    /// <summary>
    /// Runs until the input is complete, <c>messageCountMax</c> is reached, or <paramref name="cancellationToken"/>
    /// asks to stop. Stopping lets the work in progress finish and be acknowledged first.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        foreach (var callback in _callbacks)
        {
            await callback.OnStartAsync(cancellationToken).ConfigureAwait(false);
        }

        // Work and post keep going after a stop request until what was gathered is done (or Abort is called).
        using var drain = new CancellationTokenSource();
        Volatile.Write(ref _abort, drain);
        Metrics.MarkStarted(_time.GetUtcNow());
        var workers = new Task[Math.Max(1, _options.Concurrency)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => WorkLoopAsync(drain.Token), CancellationToken.None);
        }

        var post = Task.Run(() => PostLoopAsync(drain.Token), CancellationToken.None);
        try
        {
            await GatherLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _toWork.Writer.TryComplete();
            await DrainAsync(Task.WhenAll(workers), drain.Token).ConfigureAwait(false);
            _toPost.Writer.TryComplete();
            await DrainAsync(post, drain.Token).ConfigureAwait(false);
            Volatile.Write(ref _abort, null);
            await HousekeepingAsync(CancellationToken.None).ConfigureAwait(false);
            foreach (var callback in _callbacks)
            {
                await callback.OnStopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Cuts short the work in progress of a flow asked to stop that did not finish in time (a hung transfer):
    /// what was not acknowledged is delivered again by the broker.
    /// </summary>
    public void Abort()
    {
        try
        {
            Volatile.Read(ref _abort)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task DrainAsync(Task stage, CancellationToken aborted)
    {
        try
        {
            await stage.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Closes the flow's state, then what it was given to own (its input, work, outputs, broker connections, log), in
    /// the order given: a flow built from a configuration is disposed as one thing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _nodupe?.Dispose();
        _workRetry?.Dispose();
        _postRetry?.Dispose();
        foreach (var resource in _owned)
        {
            await resource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A rejected message, at info with <c>logReject</c> (sr3's option), else at debug as sr3 does.</summary>
    private void LogRejected(int code, string reason, Messages.NotificationMessage message)
    {
        if (_options.LogReject)
        {
            FlowLog.Rejected(_logger, code, reason, message.BaseUrl, message.RelPath);
        }
        else
        {
            FlowLog.RejectedQuietly(_logger, code, reason, message.BaseUrl, message.RelPath);
        }
    }

    private bool CountReached => _options.MessageCountMax > 0 && Interlocked.Read(ref _handled) >= _options.MessageCountMax;

    /// <summary>
    /// The messages are done with: their nodupe entries are written to the journal first, then their input is told.
    /// A crash between the two makes the input give a message again, which nodupe then takes for the duplicate it is.
    /// </summary>
    private async Task AcknowledgeAsync(IEnumerable<FlowMessage> messages, CancellationToken cancellationToken)
    {
        var tokens = new List<object>();
        var committed = false;
        foreach (var message in messages)
        {
            if (message.HoldAcknowledgement)
            {
                continue;
            }

            if (message.NoDupeKey is { } key && _nodupe is not null)
            {
                _nodupe.Commit(key);
                committed = true;
            }

            if (message.AckToken is not null)
            {
                tokens.Add(message.AckToken);
            }
        }

        if (committed)
        {
            _nodupe!.Flush();
        }

        if (tokens.Count > 0)
        {
            await _input.AcknowledgeAsync(tokens, cancellationToken).ConfigureAwait(false);
            Metrics.AddAcknowledged(tokens.Count);
        }
    }

    private async Task ReportAsync(IEnumerable<FlowMessage> messages, CancellationToken cancellationToken)
    {
        if (_reports is null || !_options.Report)
        {
            return;
        }

        var now = SrTime.Format(_time.GetUtcNow());
        var reports = new List<Messages.NotificationMessage>();
        foreach (var m in messages)
        {
            var report = m.Message.Clone();
            report.Report = new Messages.Report(m.Code == 0 ? 201 : m.Code, now, m.Reason ?? ReportCodes.Describe(m.Code == 0 ? 201 : m.Code)) { Extra = _options.ReportBy };
            report.Content = null; // sr3: a report does not carry the data
            reports.Add(report);
        }

        if (reports.Count == 0)
        {
            return;
        }

        try
        {
            await _reports.PublishAsync(reports, cancellationToken).ConfigureAwait(false);
        }
        catch (SluiceException ex)
        {
            // Reports are advisory: a lost report must not hold up data.
            FlowLog.PostFailed(_logger, reports.Count, "reports: " + ex.Message);
        }
    }
}
