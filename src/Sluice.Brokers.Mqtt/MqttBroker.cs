using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using Sluice.Core.Brokers;

namespace Sluice.Brokers.Mqtt;

/// <summary>
/// MQTT 5 through MQTTnet: topics <c>&lt;exchange&gt;/v03/&lt;dirs&gt;</c>, QoS 1, persistent sessions (clean start off,
/// session expiry from <c>expire</c>) so a subscriber that was down gets what it missed, shared subscriptions for
/// instances, and acknowledgement only after the work is done.
/// </summary>
public sealed class MqttBroker(BrokerUrl url, ILogger logger, TimeProvider? time = null) : IBroker
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public BrokerUrl Url { get; } = url;

    /// <summary>Registers the <c>mqtt</c> and <c>mqtts</c> schemes in <paramref name="registry"/>.</summary>
    public static void Register(BrokerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register("mqtt", (url, logger, time) => new MqttBroker(url, logger, time));
        registry.Register("mqtts", (url, logger, time) => new MqttBroker(url, logger, time));
    }

    internal MqttClientOptions ClientOptions(string clientId, bool cleanStart, TimeSpan expire, int receiveMaximum)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Url.Host, Url.EffectivePort)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(cleanStart)
            .WithSessionExpiryInterval(cleanStart ? 0 : expire > TimeSpan.Zero ? (uint)expire.TotalSeconds : uint.MaxValue)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithReceiveMaximum((ushort)Math.Clamp(receiveMaximum, 1, ushort.MaxValue));
        if (Url.User is not null)
        {
            builder = builder.WithCredentials(Url.User, Url.Password ?? string.Empty);
        }

        if (Url.IsTls)
        {
            builder = builder.WithTlsOptions(tls => tls.UseTls());
        }

        return builder.Build();
    }

    /// <summary>The delay before reconnect attempt <paramref name="attempt"/>: exponential, capped, with jitter.</summary>
    internal static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(attempt, 6)) * 0.25) * (0.75 + (Random.Shared.NextDouble() * 0.5)));

    public async Task<ISubscription> SubscribeAsync(SubscriptionOptions options, CancellationToken cancellationToken)
    {
        var subscription = new MqttSubscription(this, options, logger, _time);
        await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
        return subscription;
    }

    public async Task<IPublisher> CreatePublisherAsync(CancellationToken cancellationToken)
    {
        var publisher = new MqttPublisher(this, logger, _time);
        await publisher.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return publisher;
    }

    /// <summary>MQTT has no exchanges to declare: an exchange is the first level of the topic.</summary>
    public Task DeclareExchangeAsync(string exchange, bool durable, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteExchangeAsync(string exchange, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends a persistent session: connects with its client id and a clean start, then leaves.</summary>
    public async Task DeleteQueueAsync(string queue, CancellationToken cancellationToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(ClientOptions(queue, cleanStart: true, TimeSpan.Zero, 1), cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
