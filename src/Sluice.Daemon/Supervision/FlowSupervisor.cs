using Microsoft.Extensions.Logging;
using Sluice.Core.Brokers;
using Sluice.Core.Flows;
using Sluice.Core.Logging;

namespace Sluice.Daemon.Supervision;

/// <summary>
/// Runs many flows in one process, each with its <c>instances</c>. Flows are isolated: one that fails is
/// restarted with exponential backoff while the others keep running; one whose configuration is broken shows
/// as failed with its error. Stopping lets in-flight work finish and be acknowledged, within a timeout.
/// </summary>
internal sealed partial class FlowSupervisor : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _stopTimeout;
    private readonly Dictionary<string, Supervised> _flows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>How long a flow the broker refused waits before asking again.</summary>
    private static readonly TimeSpan RefusedRetry = TimeSpan.FromSeconds(60);

    /// <summary>How long an aborted flow may take to end after its work was cut short.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(10);

    public FlowSupervisor(ILogger logger, TimeProvider? time = null, TimeSpan? stopTimeout = null)
    {
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _stopTimeout = stopTimeout ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>The names of the flows known to the supervisor.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                return [.. _flows.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Makes the running set match <paramref name="definitions"/>: starts new flows, stops removed ones, restarts changed ones.</summary>
    public async Task ApplyAsync(IEnumerable<FlowDefinition> definitions)
    {
        var wanted = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        List<Supervised> toStop;
        lock (_lock)
        {
            toStop = [.. _flows.Values.Where(f => !wanted.TryGetValue(f.Definition.Name, out var d) || d.Fingerprint != f.Definition.Fingerprint || d.Error != f.Definition.Error)];
        }

        foreach (var flow in toStop)
        {
            await StopAsync(flow.Definition.Name).ConfigureAwait(false);
            lock (_lock)
            {
                _flows.Remove(flow.Definition.Name);
            }
        }

        // Services (the pumps) first: the flows that use them connect once they are listening.
        var services = new List<Task>();
        foreach (var definition in wanted.Values.OrderBy(d => d.Service is null))
        {
            if (definition.Service is null && services.Count > 0)
            {
                await WaitServicesAsync(services).ConfigureAwait(false);
                services.Clear();
            }

            Supervised? started = null;
            lock (_lock)
            {
                if (!_flows.ContainsKey(definition.Name))
                {
                    started = new Supervised(definition, this);
                    _flows[definition.Name] = started;
                }
            }

            if (started is not null)
            {
                started.Start();
                if (definition.Service is not null)
                {
                    services.Add(started.Ready);
                }
            }
        }

        if (services.Count > 0)
        {
            await WaitServicesAsync(services).ConfigureAwait(false);
        }
    }

    private async Task WaitServicesAsync(List<Task> services)
    {
        try
        {
            await Task.WhenAll(services).WaitAsync(_stopTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            SupervisorLog.ServicesSlow(_logger, _stopTimeout.TotalSeconds);
        }
    }

    /// <summary>Starts a flow (or restarts it with a new definition).</summary>
    public void Start(FlowDefinition definition)
    {
        Supervised flow;
        lock (_lock)
        {
            if (_flows.TryGetValue(definition.Name, out var existing) && existing.IsRunning)
            {
                return;
            }

            flow = new Supervised(definition, this);
            _flows[definition.Name] = flow;
        }

        flow.Start();
    }

    /// <summary>Starts a known flow that was stopped.</summary>
    public bool Start(string name)
    {
        Supervised? flow;
        lock (_lock)
        {
            _flows.TryGetValue(name, out flow);
        }

        if (flow is null)
        {
            return false;
        }

        Start(flow.Definition);
        return true;
    }

    /// <summary>Stops a flow, letting its in-flight work finish; false when there is no such flow.</summary>
    public async Task<bool> StopAsync(string name)
    {
        Supervised? flow;
        lock (_lock)
        {
            _flows.TryGetValue(name, out flow);
        }

        if (flow is null)
        {
            return false;
        }

        await flow.StopAsync(_stopTimeout).ConfigureAwait(false);
        return true;
    }

    /// <summary>Stops every flow.</summary>
    public async Task StopAllAsync()
    {
        List<Supervised> all;
        lock (_lock)
        {
            all = [.. _flows.Values];
        }

        // Flows first, so their in-flight work is acknowledged on the pump's broker before it goes.
        await Task.WhenAll(all.Where(f => f.Definition.Service is null).Select(f => f.StopAsync(_stopTimeout))).ConfigureAwait(false);
        await Task.WhenAll(all.Where(f => f.Definition.Service is not null).Select(f => f.StopAsync(_stopTimeout))).ConfigureAwait(false);
    }

    /// <summary>Stops a flow (cutting its work short after <paramref name="grace"/>) and starts it again; false when there is no such flow.</summary>
    public async Task<bool> RestartAsync(string name, TimeSpan? grace = null)
    {
        Supervised? flow;
        lock (_lock)
        {
            _flows.TryGetValue(name, out flow);
        }

        if (flow is null)
        {
            return false;
        }

        // The same flow again, so its counters and restart count carry on.
        await flow.StopAsync(grace ?? _stopTimeout).ConfigureAwait(false);
        flow.Start();
        return true;
    }

    /// <summary>
    /// Restarts the flows that are hung or miss instances (what <c>sluice sanity</c> asks for); flows stopped on purpose
    /// are left alone. Returns what it restarted, and why.
    /// </summary>
    public async Task<IReadOnlyList<(string Flow, string Reason)>> SanityAsync()
    {
        List<Supervised> all;
        lock (_lock)
        {
            all = [.. _flows.Values.OrderBy(f => f.Definition.Name, StringComparer.Ordinal)];
        }

        var restarted = new List<(string, string)>();
        var now = _time.GetUtcNow();
        foreach (var flow in all)
        {
            if (flow.SanityReason(now) is not { } reason)
            {
                continue;
            }

            SupervisorLog.SanityRestart(_logger, flow.Definition.Name, reason);

            // Hung work will not finish by itself: give it a moment, then cut it short.
            await RestartAsync(flow.Definition.Name, TimeSpan.FromSeconds(Math.Min(_stopTimeout.TotalSeconds, 2))).ConfigureAwait(false);
            restarted.Add((flow.Definition.Name, reason));
        }

        return restarted;
    }

    /// <summary>The status of every flow.</summary>
    public IReadOnlyList<FlowStatus> Status()
    {
        List<Supervised> all;
        lock (_lock)
        {
            all = [.. _flows.Values.OrderBy(f => f.Definition.Name, StringComparer.Ordinal)];
        }

        return [.. all.Select(f => f.Status(_time.GetUtcNow()))];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync().ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var flow in _flows.Values)
            {
                flow.Dispose();
            }
        }
    }

    /// <summary>A flow and its instance loops.</summary>
    private sealed class Supervised(FlowDefinition definition, FlowSupervisor owner) : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly Instance[] _instances = Enumerable.Range(1, Math.Max(1, definition.Instances)).Select(n => new Instance(n)).ToArray();
        private CancellationTokenSource? _stop;
        private Task _running = Task.CompletedTask;
        private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private (DateTimeOffset Time, long Received, long Bytes) _lastSample;
        private double _rate;
        private double _byteRate;

        public FlowDefinition Definition { get; } = definition;

        public bool IsRunning => !_running.IsCompleted;

        /// <summary>Completes once a service's first start succeeded or failed (at once for a flow).</summary>
        public Task Ready => _ready.Task;

        public void Start()
        {
            lock (_lock)
            {
                if (IsRunning)
                {
                    return;
                }

                _stop?.Dispose();
                _stop = new CancellationTokenSource();
                var token = _stop.Token;
                if (_ready.Task.IsCompleted)
                {
                    _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                if (Definition.Error is not null || (Definition.Create is null && Definition.Service is null))
                {
                    _running = Task.CompletedTask;
                }
                else
                {
                    _running = Task.WhenAll(_instances.Select(i => Task.Run(() => RunInstanceAsync(i, token), CancellationToken.None)));
                }

                if (Definition.Service is null || _running.IsCompleted)
                {
                    _ready.TrySetResult();
                }
            }
        }

        public void Dispose() => _stop?.Dispose();

        public async Task StopAsync(TimeSpan timeout)
        {
            CancellationTokenSource? stop;
            lock (_lock)
            {
                stop = _stop;
            }

            if (stop is null)
            {
                return;
            }

            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _running.WaitAsync(timeout, owner._time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Cut the work short (a hung transfer, say): what was not acknowledged is delivered again.
                SupervisorLog.StopTimedOut(owner._logger, Definition.Name, timeout.TotalSeconds);
                foreach (var instance in _instances)
                {
                    instance.Flow?.Abort();
                }

                try
                {
                    await _running.WaitAsync(AbortGrace, owner._time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    SupervisorLog.AbortTimedOut(owner._logger, Definition.Name);
                }
            }

            foreach (var instance in _instances)
            {
                if (instance.State != FlowState.Finished)
                {
                    instance.State = FlowState.Stopped;
                }
            }
        }

        private async Task RunInstanceAsync(Instance instance, CancellationToken stop)
        {
            var backoff = TimeSpan.FromSeconds(1);
            while (!stop.IsCancellationRequested)
            {
                Flow? flow = null;
                IAsyncDisposable? service = null;
                instance.State = FlowState.Starting;
                try
                {
                    if (Definition.Service is { } startService)
                    {
                        // A pump's servers: held until stopped.
                        service = await startService(stop).ConfigureAwait(false);
                        instance.State = FlowState.Running;
                        instance.LastError = null;
                        SupervisorLog.Started(owner._logger, Definition.Name, instance.Number);
                        _ready.TrySetResult();
                        await Task.Delay(Timeout.InfiniteTimeSpan, owner._time, stop).ConfigureAwait(false);
                        continue;
                    }

                    flow = await Definition.Create!(instance.Number, stop).ConfigureAwait(false);
                    instance.Flow = flow;
                    instance.State = FlowState.Running;
                    SupervisorLog.Started(owner._logger, Definition.Name, instance.Number);
                    await flow.RunAsync(stop).ConfigureAwait(false);
                    if (!stop.IsCancellationRequested)
                    {
                        instance.State = FlowState.Finished;
                        SupervisorLog.Finished(owner._logger, Definition.Name, instance.Number);
                        return;
                    }
                }
                catch (BrokerRefusedException ex) when (!stop.IsCancellationRequested)
                {
                    // The broker says no to what the configuration asks: failed, with what to do. Asked again now and
                    // then (at the longest backoff), so the flow starts by itself once someone has done it.
                    var error = ex.Describe(Definition.Name);
                    SupervisorLog.Refused(owner._logger, Definition.Name, instance.Number, error, RefusedRetry.TotalSeconds);
                    if (!await PauseAsync(instance, FlowState.Failed, error, RefusedRetry, stop).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    SupervisorLog.Crashed(owner._logger, Definition.Name, instance.Number, ex.Message, backoff.TotalSeconds);
                    if (!await PauseAsync(instance, FlowState.Restarting, ex.Message, backoff, stop).ConfigureAwait(false))
                    {
                        return;
                    }

                    backoff = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, 60));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                finally
                {
                    if (flow is not null)
                    {
                        instance.Retire(flow);
                        await flow.DisposeAsync().ConfigureAwait(false);
                    }

                    if (service is not null)
                    {
                        await service.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }

        /// <summary>An instance that ended with <paramref name="error"/> waits <paramref name="delay"/> in <paramref name="state"/>; false when stopped meanwhile.</summary>
        private async Task<bool> PauseAsync(Instance instance, FlowState state, string error, TimeSpan delay, CancellationToken stop)
        {
            instance.LastError = error;
            instance.Restarts++;
            instance.State = state;
            _ready.TrySetResult();
            try
            {
                await Task.Delay(delay, owner._time, stop).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public FlowStatus Status(DateTimeOffset now)
        {
            var received = _instances.Sum(i => i.Total(m => m.Received));
            var bytes = _instances.Sum(i => i.Total(m => m.Bytes));
            if (_lastSample.Time != default && now > _lastSample.Time)
            {
                var seconds = (now - _lastSample.Time).TotalSeconds;
                if (seconds >= 1)
                {
                    _rate = (received - _lastSample.Received) / seconds;
                    _byteRate = (bytes - _lastSample.Bytes) / seconds;
                    _lastSample = (now, received, bytes);
                }
            }
            else
            {
                _lastSample = (now, received, bytes);
            }

            var views = _instances.Select(i => new RunStates.InstanceView(i.State, i.Flow?.Metrics)).ToList();
            var live = views.Where(v => v.State == FlowState.Running && v.Metrics is not null).Select(v => v.Metrics!).ToList();
            var lastReceived = live.Select(m => m.LastReceived).Where(t => t is not null).Max();
            return new FlowStatus
            {
                Name = Definition.Name,
                State = RunStates.Of(views, Definition.Thresholds, now, Definition.Error is not null),
                Instances = _instances.Length,
                InstancesRunning = views.Count(v => v.State == FlowState.Running),
                Received = received,
                Accepted = _instances.Sum(i => i.Total(m => m.Accepted)),
                Rejected = _instances.Sum(i => i.Total(m => m.Rejected)),
                Duplicates = _instances.Sum(i => i.Total(m => m.Duplicates)),
                Ok = _instances.Sum(i => i.Total(m => m.WorkOk)),
                Failed = _instances.Sum(i => i.Total(m => m.WorkFailed)),
                Posted = _instances.Sum(i => i.Total(m => m.Posted)),
                Bytes = bytes,
                RetryQueued = live.Sum(m => m.RetryQueued),
                InFlight = live.Sum(m => m.InFlight),
                LagSeconds = live.Count == 0 ? 0 : live.Max(m => m.Lag.TotalSeconds),
                MessagesPerSecond = Math.Round(_rate, 1),
                BytesPerSecond = Math.Round(_byteRate),
                LastReceivedSecondsAgo = lastReceived is { } t ? Math.Round((now - t).TotalSeconds, 1) : null,
                Waiting = live.Select(m => m.Waiting).FirstOrDefault(w => w is not null),
                Restarts = _instances.Sum(i => i.Restarts),
                LastError = Definition.Error ?? _instances.Select(i => i.LastError).LastOrDefault(e => e is not null),
            };
        }

        /// <summary>Whether sanity should restart it: an instance hung, or missing (not running, not being restarted).</summary>
        public string? SanityReason(DateTimeOffset now)
        {
            if (Definition.Error is not null || !IsRunning)
            {
                return null;
            }

            if (_instances.Any(i => i.State == FlowState.Running && i.Flow is { } f && RunStates.IsHung(f.Metrics, Definition.Thresholds, now)))
            {
                return RunStates.Hung;
            }

            return _instances.Any(i => i.State == FlowState.Stopped) ? "missing instances" : null;
        }
    }

    /// <summary>One instance: its current flow, and the counters of the flows it ran before (a restart keeps the totals).</summary>
    private sealed class Instance(int number)
    {
        private readonly List<FlowMetrics> _past = [];

        public int Number { get; } = number;

        public volatile FlowState State = FlowState.Stopped;

        public volatile Flow? Flow;

        public int Restarts;

        public volatile string? LastError;

        public long Total(Func<FlowMetrics, long> counter)
        {
            long total;
            lock (_past)
            {
                total = _past.Sum(counter);
            }

            return total + (Flow is { } flow ? counter(flow.Metrics) : 0);
        }

        public void Retire(Flow flow)
        {
            lock (_past)
            {
                _past.Add(flow.Metrics);
            }

            Flow = null;
        }
    }

    private static partial class SupervisorLog
    {
        [LoggerMessage(EventId = LogEvents.Supervisor.Started, Level = LogLevel.Information, Message = "{Flow} instance {Instance} started")]
        public static partial void Started(ILogger logger, string flow, int instance);

        [LoggerMessage(EventId = LogEvents.Supervisor.Finished, Level = LogLevel.Information, Message = "{Flow} instance {Instance} finished")]
        public static partial void Finished(ILogger logger, string flow, int instance);

        [LoggerMessage(EventId = LogEvents.Supervisor.Crashed, Level = LogLevel.Error, Message = "{Flow} instance {Instance} failed: {Reason}; restarting in {Seconds}s")]
        public static partial void Crashed(ILogger logger, string flow, int instance, string reason, double seconds);

        [LoggerMessage(EventId = LogEvents.Supervisor.Refused, Level = LogLevel.Error, Message = "{Flow} instance {Instance} failed: {Reason}; asking the broker again in {Seconds}s")]
        public static partial void Refused(ILogger logger, string flow, int instance, string reason, double seconds);

        [LoggerMessage(EventId = LogEvents.Supervisor.ServicesSlow, Level = LogLevel.Warning, Message = "the pumps did not start within {Seconds}s; starting the flows anyway")]
        public static partial void ServicesSlow(ILogger logger, double seconds);

        [LoggerMessage(EventId = LogEvents.Supervisor.StopTimedOut, Level = LogLevel.Warning, Message = "{Flow} did not stop within {Seconds}s; abandoning its in-flight work (it will be delivered again)")]
        public static partial void StopTimedOut(ILogger logger, string flow, double seconds);

        [LoggerMessage(EventId = LogEvents.Supervisor.AbortTimedOut, Level = LogLevel.Error, Message = "{Flow} did not end even when its work was cut short; starting it again beside what is left of it")]
        public static partial void AbortTimedOut(ILogger logger, string flow);

        [LoggerMessage(EventId = LogEvents.Supervisor.SanityRestart, Level = LogLevel.Warning, Message = "sanity: restarting {Flow} ({Reason})")]
        public static partial void SanityRestart(ILogger logger, string flow, string reason);
    }
}
