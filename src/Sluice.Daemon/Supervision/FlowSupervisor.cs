using Microsoft.Extensions.Logging;
using Sluice.Core.Flows;

namespace Sluice.Daemon.Supervision;

/// <summary>
/// Runs many flows in one process, each with its <c>instances</c>. Flows are isolated: one that fails is
/// restarted with exponential backoff while the others keep running; one whose configuration is broken shows
/// as failed with its error. Stopping lets in-flight work finish and be acknowledged, within a timeout.
/// </summary>
public sealed partial class FlowSupervisor : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _stopTimeout;
    private readonly Dictionary<string, Supervised> _flows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

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

        foreach (var definition in wanted.Values)
        {
            bool known;
            lock (_lock)
            {
                known = _flows.ContainsKey(definition.Name);
            }

            if (!known)
            {
                Start(definition);
            }
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

        await Task.WhenAll(all.Select(f => f.StopAsync(_stopTimeout))).ConfigureAwait(false);
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
        private (DateTimeOffset Time, long Received) _lastSample;
        private double _rate;

        public FlowDefinition Definition { get; } = definition;

        public bool IsRunning => !_running.IsCompleted;

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
                _running = Definition.Error is not null || Definition.Create is null
                    ? Task.CompletedTask
                    : Task.WhenAll(_instances.Select(i => Task.Run(() => RunInstanceAsync(i, token), CancellationToken.None)));
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
                SupervisorLog.StopTimedOut(owner._logger, Definition.Name, timeout.TotalSeconds);
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
                instance.State = FlowState.Starting;
                try
                {
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
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    instance.LastError = ex.Message;
                    instance.Restarts++;
                    instance.State = FlowState.Restarting;
                    SupervisorLog.Crashed(owner._logger, Definition.Name, instance.Number, ex.Message, backoff.TotalSeconds);
                    try
                    {
                        await Task.Delay(backoff, owner._time, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
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
                }
            }
        }

        public FlowStatus Status(DateTimeOffset now)
        {
            var received = _instances.Sum(i => i.Total(m => m.Received));
            if (_lastSample.Time != default && now > _lastSample.Time)
            {
                var seconds = (now - _lastSample.Time).TotalSeconds;
                if (seconds >= 1)
                {
                    _rate = (received - _lastSample.Received) / seconds;
                    _lastSample = (now, received);
                }
            }
            else
            {
                _lastSample = (now, received);
            }

            var states = _instances.Select(i => i.State).ToList();
            var running = states.Count(s => s == FlowState.Running);
            string state;
            if (Definition.Error is not null)
            {
                state = "failed";
            }
            else if (running == _instances.Length)
            {
                // A poll whose vip is on another node runs but waits: sr3 shows it as wVip.
                state = _instances.All(i => i.Flow?.Metrics.WaitingForVip == true) ? "wVip" : "running";
            }
            else if (running > 0)
            {
                state = "partial";
            }
            else if (states.Any(s => s == FlowState.Restarting))
            {
                state = "retrying";
            }
            else if (states.All(s => s == FlowState.Finished))
            {
                state = "finished";
            }
            else
            {
                state = "stopped";
            }

            return new FlowStatus
            {
                Name = Definition.Name,
                State = state,
                Instances = _instances.Length,
                InstancesRunning = running,
                Received = received,
                Accepted = _instances.Sum(i => i.Total(m => m.Accepted)),
                Rejected = _instances.Sum(i => i.Total(m => m.Rejected)),
                Duplicates = _instances.Sum(i => i.Total(m => m.Duplicates)),
                Ok = _instances.Sum(i => i.Total(m => m.WorkOk)),
                Failed = _instances.Sum(i => i.Total(m => m.WorkFailed)),
                Posted = _instances.Sum(i => i.Total(m => m.Posted)),
                Bytes = _instances.Sum(i => i.Total(m => m.Bytes)),
                RetryQueued = _instances.Sum(i => i.Flow?.Metrics.RetryQueued ?? 0),
                LagSeconds = _instances.Max(i => i.Flow?.Metrics.Lag.TotalSeconds ?? 0),
                MessagesPerSecond = Math.Round(_rate, 1),
                Restarts = _instances.Sum(i => i.Restarts),
                LastError = Definition.Error ?? _instances.Select(i => i.LastError).LastOrDefault(e => e is not null),
            };
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
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "{Flow} instance {Instance} started")]
        public static partial void Started(ILogger logger, string flow, int instance);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "{Flow} instance {Instance} finished")]
        public static partial void Finished(ILogger logger, string flow, int instance);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "{Flow} instance {Instance} failed: {Reason}; restarting in {Seconds}s")]
        public static partial void Crashed(ILogger logger, string flow, int instance, string reason, double seconds);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "{Flow} did not stop within {Seconds}s; abandoning its in-flight work (it will be delivered again)")]
        public static partial void StopTimedOut(ILogger logger, string flow, double seconds);
    }
}
