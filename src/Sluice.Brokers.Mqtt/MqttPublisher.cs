using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Sluice.Core.Brokers;

namespace Sluice.Brokers.Mqtt;

/// <summary>
/// Publishes at QoS 1 and waits for every PUBACK of a batch (sent together, awaited together). Content type,
/// payload format indicator and, for v02, the headers as user properties, as sr3 sends them.
/// </summary>
internal sealed class MqttPublisher(MqttBroker broker, ILogger logger, TimeProvider time) : IPublisher
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly string _clientId = "sluice_pub_" + Guid.NewGuid().ToString("N")[..12];

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await _client.ConnectAsync(broker.ClientOptions(_clientId, cleanStart: true, TimeSpan.Zero, 65535), cancellationToken).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new BrokerException(broker.Url, $"connection refused: {result.ResultCode} {result.ReasonString}");
                }

                return;
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or TimeoutException && attempt < 5 && !cancellationToken.IsCancellationRequested)
            {
                var delay = MqttBroker.Backoff(attempt);
                logger.LogWarning("cannot connect to {Broker} ({Reason}); trying again in {Seconds:F1}s", broker.Url, ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or TimeoutException)
            {
                throw new BrokerException(broker.Url, ex.Message, ex);
            }
        }
    }

    public async ValueTask PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_client.IsConnected)
            {
                await ConnectAsync(cancellationToken).ConfigureAwait(false);
            }

            var pending = new List<Task<MqttClientPublishResult>>(messages.Count);
            foreach (var message in messages)
            {
                var builder = new MqttApplicationMessageBuilder()
                    .WithTopic(MqttTopics.ToMqtt(message.Exchange, message.Wire.Topic))
                    .WithPayload(message.Wire.Body.ToArray())
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithContentType(message.Wire.ContentType)
                    .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData);
                foreach (var (key, value) in message.Wire.Headers)
                {
                    builder = builder.WithUserProperty(key, Encoding.UTF8.GetBytes(value).AsMemory());
                }

                pending.Add(_client.PublishAsync(builder.Build(), cancellationToken));
            }

            var results = await Task.WhenAll(pending).ConfigureAwait(false);
            var refused = results.FirstOrDefault(r => !r.IsSuccess);
            if (refused is not null)
            {
                throw new BrokerException(broker.Url, $"publish refused: {refused.ReasonCode} {refused.ReasonString}");
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or TimeoutException)
        {
            throw new BrokerException(broker.Url, "publish not acknowledged: " + ex.Message, ex);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync().ConfigureAwait(false);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
            }
        }

        _client.Dispose();
        _lock.Dispose();
    }
}
