using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sluice.Core.Brokers;
using Sluice.Core.Formats;
using Sluice.Core.Logging;

namespace Sluice.Brokers.Amqp;

/// <summary>
/// A durable queue bound to the configured exchanges and topics, consumed with a prefetch window and manual
/// acknowledgement. After a lost connection it reconnects, declares again and resumes; tokens of the lost
/// connection are dropped (the broker delivers those messages again).
/// </summary>
internal sealed partial class AmqpSubscription : ISubscription
{
    private readonly AmqpBroker _broker;
    private readonly SubscriptionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DeliveryBuffer _incoming = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly SortedSet<ulong> _outstanding = [];
    private readonly SemaphoreSlim _acking = new(1, 1);
    private IChannel? _channel;
    private int _generation;
    private Task _supervisor = Task.CompletedTask;
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AmqpSubscription(AmqpBroker broker, SubscriptionOptions options, ILogger logger, TimeProvider time)
    {
        _broker = broker;
        _options = options;
        _logger = logger;
        _time = time;
    }

    /// <summary>The token of one delivery: the connection generation it came on, and its delivery tag.</summary>
    internal sealed record AckToken(int Generation, ulong DeliveryTag);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first setup runs here so that a refusal (no such exchange, access refused) reaches the caller.
        await SetupAsync(cancellationToken).ConfigureAwait(false);
        _supervisor = Task.Run(() => SuperviseAsync(_stop.Token), CancellationToken.None);
    }

    private async Task SetupAsync(CancellationToken cancellationToken)
    {
        var connection = await _broker.ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.BasicQosAsync(0, (ushort)Math.Clamp(_options.Prefetch, 1, ushort.MaxValue), false, cancellationToken).ConfigureAwait(false);
            if (_options.ExchangeDeclare)
            {
                foreach (var exchange in _options.Bindings.Select(b => b.Exchange).Distinct())
                {
                    await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false, arguments: null, passive: false, noWait: false, cancellationToken).ConfigureAwait(false);
                }
            }

            if (_options.QueueDeclare)
            {
                var arguments = new Dictionary<string, object?>();
                if (_options.Expire > TimeSpan.Zero)
                {
                    arguments["x-expires"] = (long)_options.Expire.TotalMilliseconds;
                }

                await channel.QueueDeclareAsync(_options.QueueName, _options.Durable, exclusive: false, autoDelete: false, arguments, passive: false, noWait: false, cancellationToken).ConfigureAwait(false);
            }

            if (_options.QueueBind)
            {
                foreach (var binding in _options.Bindings)
                {
                    await channel.QueueBindAsync(_options.QueueName, binding.Exchange, binding.AmqpKey, arguments: null, noWait: false, cancellationToken).ConfigureAwait(false);
                }
            }

            TaskCompletionSource lost;
            int generation;
            lock (_lock)
            {
                generation = ++_generation;
                _outstanding.Clear();
                _channel = channel;
                lost = _lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            // Messages read from the lost connection but not yet handed out will come again: drop them.
            _incoming.DropStale(m => ((AckToken)m.AckToken).Generation == generation);

            channel.ChannelShutdownAsync += (_, args) =>
            {
                lost.TrySetResult();
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(_options.QueueName, autoAck: false, new Consumer(channel, this, generation), cancellationToken).ConfigureAwait(false);
            AmqpLog.Consuming(_logger, _broker.Url.ToString(), _options.QueueName, string.Join(", ", _options.Bindings.Select(b => $"{b.Exchange}:{b.AmqpKey}")));
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode is 403 or 404 or 406)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw AmqpRefusals.From(_broker.Url, ex.ShutdownReason.ReplyCode, ex.ShutdownReason.ReplyText, ex);
        }
        catch
        {
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task SuperviseAsync(CancellationToken stop)
    {
        var attempt = 0;
        while (!stop.IsCancellationRequested)
        {
            Task lost;
            lock (_lock)
            {
                lost = _lost.Task;
            }

            try
            {
                await lost.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            AmqpLog.Lost(_logger, _broker.Url.ToString(), _options.QueueName);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await SetupAsync(stop).ConfigureAwait(false);
                    attempt = 0;
                    break;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    var delay = AmqpBroker.Backoff(attempt++);
                    AmqpLog.ResubscribeFailed(_logger, _options.QueueName, ex.Message, delay.TotalSeconds);
                    try
                    {
                        await Task.Delay(delay, _time, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }
    }

    // The generation is read when each message is taken, not before waiting: a reconnect may happen meanwhile.
    public ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken) =>
        _incoming.TakeAsync(max, wait, m => ((AckToken)m.AckToken).Generation == Volatile.Read(ref _generation), cancellationToken);

    /// <remarks>
    /// The messages older than every one still being worked on are acknowledged with one frame (<c>multiple</c>, up to
    /// the newest of them), the others one frame each. The frames of one call are sent before another call chooses
    /// its own: a <c>multiple</c> must never cover a tag whose single acknowledgement another call is still to send
    /// (the broker closes the channel on a tag acknowledged twice).
    /// </remarks>
    public async ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken)
    {
        await _acking.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            IChannel? channel;
            var acks = new List<(ulong Tag, bool Multiple)>();
            lock (_lock)
            {
                channel = _channel;
                var mine = new List<ulong>(ackTokens.Count);
                foreach (var token in ackTokens)
                {
                    if (token is AckToken t && t.Generation == _generation && _outstanding.Remove(t.DeliveryTag))
                    {
                        mine.Add(t.DeliveryTag);
                    }
                }

                if (mine.Count == 0)
                {
                    return;
                }

                mine.Sort();
                var oldestOutstanding = _outstanding.Count == 0 ? ulong.MaxValue : _outstanding.Min;
                var covered = mine.FindLastIndex(tag => tag < oldestOutstanding);
                if (covered > 0)
                {
                    acks.Add((mine[covered], true));
                }

                for (var i = covered > 0 ? covered + 1 : 0; i < mine.Count; i++)
                {
                    acks.Add((mine[i], false));
                }
            }

            try
            {
                foreach (var (tag, multiple) in acks)
                {
                    await channel!.BasicAckAsync(tag, multiple, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (AmqpBroker.IsConnectionFailure(ex))
            {
                // The connection is gone: the broker delivers these messages again.
                AmqpLog.AckLost(_logger, _options.QueueName, acks.Count, ex.Message);
            }
        }
        finally
        {
            _acking.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _supervisor.ConfigureAwait(false);
        IChannel? channel;
        lock (_lock)
        {
            channel = _channel;
            _channel = null;
        }

        if (channel is not null)
        {
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (AmqpBroker.IsConnectionFailure(ex))
            {
            }

            await channel.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
        _acking.Dispose();
    }

    private void Deliver(int generation, ulong tag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        lock (_lock)
        {
            if (generation != _generation)
            {
                return;
            }

            _outstanding.Add(tag);
        }

        var headers = new List<KeyValuePair<string, string>>();
        if (properties.Headers is { } table)
        {
            foreach (var (key, value) in table)
            {
                headers.Add(new(key, HeaderText(value)));
            }
        }

        var wire = new WireMessage(routingKey.Split('.'), headers, properties.ContentType ?? string.Empty, body.ToArray());
        _incoming.Add(new ReceivedMessage(exchange, wire, new AckToken(generation, tag), redelivered));
    }

    private static string HeaderText(object? value) => value switch
    {
        null => string.Empty,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        AmqpTimestamp stamp => stamp.UnixTime.ToString(CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private sealed class Consumer(IChannel channel, AmqpSubscription owner, int generation) : AsyncDefaultBasicConsumer(channel)
    {
        public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange, string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
        {
            owner.Deliver(generation, deliveryTag, redelivered, exchange, routingKey, properties, body);
            return Task.CompletedTask;
        }
    }

    private static partial class AmqpLog
    {
        [LoggerMessage(EventId = LogEvents.Amqp.Consuming, Level = LogLevel.Information, Message = "consuming from {Broker} queue {Queue} bound to {Bindings}")]
        public static partial void Consuming(ILogger logger, string broker, string queue, string bindings);

        [LoggerMessage(EventId = LogEvents.Amqp.Lost, Level = LogLevel.Warning, Message = "lost the connection to {Broker} (queue {Queue}); reconnecting")]
        public static partial void Lost(ILogger logger, string broker, string queue);

        [LoggerMessage(EventId = LogEvents.Amqp.ResubscribeFailed, Level = LogLevel.Warning, Message = "queue {Queue}: cannot subscribe again ({Reason}); trying again in {Seconds:F1}s")]
        public static partial void ResubscribeFailed(ILogger logger, string queue, string reason, double seconds);

        [LoggerMessage(EventId = LogEvents.Amqp.AckLost, Level = LogLevel.Warning, Message = "queue {Queue}: {Count} acknowledgement(s) lost with the connection ({Reason}); those messages will come again")]
        public static partial void AckLost(ILogger logger, string queue, int count, string reason);
    }
}
