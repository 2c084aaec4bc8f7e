using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Sluice.Core.Brokers;
using Sluice.Core.Formats;
using Sluice.Core.Logging;

namespace Sluice.Brokers.Mqtt;

/// <summary>
/// A persistent MQTT session subscribed (QoS 1) to the configured topics. Messages are acknowledged (PUBACK) only
/// when the flow says so; after a lost connection it reconnects with the same client id, so the broker keeps what
/// arrived meanwhile and delivers again what was not acknowledged.
/// </summary>
internal sealed partial class MqttSubscription : ISubscription
{
    private readonly MqttBroker _broker;
    private readonly SubscriptionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly DeliveryBuffer _incoming = new();
    private readonly CancellationTokenSource _stop = new();
    private int _generation;
    private Task _supervisor = Task.CompletedTask;
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MqttSubscription(MqttBroker broker, SubscriptionOptions options, ILogger logger, TimeProvider time)
    {
        _broker = broker;
        _options = options;
        _logger = logger;
        _time = time;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += _ =>
        {
            Volatile.Read(ref _lost).TrySetResult();
            return Task.CompletedTask;
        };
    }

    internal sealed record AckToken(int Generation, MqttApplicationMessageReceivedEventArgs Delivery);

    private string ClientId => _options.Instances > 1 || _options.Instance > 1 ? $"{_options.QueueName}_{_options.Instance:D2}" : _options.QueueName;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        _supervisor = Task.Run(() => SuperviseAsync(_stop.Token), CancellationToken.None);
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lost, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _generation);
        // From the lost connection: the broker delivers them again.
        var generation = Volatile.Read(ref _generation);
        _incoming.DropStale(m => ((AckToken)m.AckToken).Generation == generation);

        var options = _broker.ClientOptions(ClientId, cleanStart: false, _options.Expire, _options.Prefetch);
        try
        {
            var result = await _client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MQTTnet.MqttClientConnectResultCode.Success)
            {
                throw new BrokerException(_broker.Url, $"connection refused: {result.ResultCode} {result.ReasonString}");
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException ex)
        {
            throw new BrokerException(_broker.Url, ex.Message, ex);
        }

        var share = _options.Instances > 1 ? _options.QueueName : null;
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var binding in _options.Bindings)
        {
            subscribe = subscribe.WithTopicFilter(f => f.WithTopic(MqttTopics.Filter(binding, share)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        }

        var granted = await _client.SubscribeAsync(subscribe.Build(), cancellationToken).ConfigureAwait(false);
        foreach (var item in granted.Items)
        {
            if ((int)item.ResultCode > 2)
            {
                throw new BrokerException(_broker.Url, $"subscription to {item.TopicFilter.Topic} refused: {item.ResultCode}");
            }
        }

        MqttLog.Subscribed(_logger, _broker.Url.ToString(), ClientId, string.Join(", ", _options.Bindings.Select(b => MqttTopics.Filter(b, share))));
    }

    private async Task SuperviseAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Volatile.Read(ref _lost).Task.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            MqttLog.Lost(_logger, _broker.Url.ToString(), ClientId);
            for (var attempt = 0; !stop.IsCancellationRequested; attempt++)
            {
                try
                {
                    await ConnectAsync(stop).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    var delay = MqttBroker.Backoff(attempt);
                    MqttLog.ReconnectFailed(_logger, ClientId, ex.Message, delay.TotalSeconds);
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

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        var message = e.ApplicationMessage;
        var (exchange, topic) = MqttTopics.FromMqtt(message.Topic);
        var headers = message.UserProperties?.Select(p => new KeyValuePair<string, string>(p.Name, MQTTnet.Packets.MqttUserPropertyExtensions.ReadValueAsString(p))).ToList() ?? [];
        var wire = new WireMessage(topic, headers, message.ContentType ?? string.Empty, System.Buffers.BuffersExtensions.ToArray(message.Payload));
        _incoming.Add(new ReceivedMessage(exchange, wire, new AckToken(Volatile.Read(ref _generation), e), message.Dup));
        return Task.CompletedTask;
    }

    // The generation is read when each message is taken, not before waiting: a reconnect may happen meanwhile.
    public ValueTask<IReadOnlyList<ReceivedMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken) =>
        _incoming.TakeAsync(max, wait, m => ((AckToken)m.AckToken).Generation == Volatile.Read(ref _generation), cancellationToken);

    public async ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken)
    {
        var generation = Volatile.Read(ref _generation);
        foreach (var token in ackTokens)
        {
            if (token is AckToken t && t.Generation == generation)
            {
                try
                {
                    await t.Delivery.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or ObjectDisposedException)
                {
                    // Lost with the connection: the broker delivers it again.
                    MqttLog.AckLost(_logger, ClientId, ex.Message);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _supervisor.ConfigureAwait(false);
        if (_client.IsConnected)
        {
            try
            {
                // A normal disconnect keeps the session (and what was not acknowledged) on the broker.
                await _client.DisconnectAsync().ConfigureAwait(false);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
            }
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private static partial class MqttLog
    {
        [LoggerMessage(EventId = LogEvents.Mqtt.Subscribed, Level = LogLevel.Information, Message = "subscribed on {Broker} as {ClientId} to {Filters}")]
        public static partial void Subscribed(ILogger logger, string broker, string clientId, string filters);

        [LoggerMessage(EventId = LogEvents.Mqtt.Lost, Level = LogLevel.Warning, Message = "lost the connection to {Broker} ({ClientId}); reconnecting")]
        public static partial void Lost(ILogger logger, string broker, string clientId);

        [LoggerMessage(EventId = LogEvents.Mqtt.ReconnectFailed, Level = LogLevel.Warning, Message = "{ClientId}: cannot reconnect ({Reason}); trying again in {Seconds:F1}s")]
        public static partial void ReconnectFailed(ILogger logger, string clientId, string reason, double seconds);

        [LoggerMessage(EventId = LogEvents.Mqtt.AckLost, Level = LogLevel.Warning, Message = "{ClientId}: acknowledgement lost with the connection ({Reason}); the message will come again")]
        public static partial void AckLost(ILogger logger, string clientId, string reason);
    }
}
