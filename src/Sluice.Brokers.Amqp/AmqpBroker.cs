using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sluice.Core.Brokers;
using Sluice.Core.Logging;

namespace Sluice.Brokers.Amqp;

/// <summary>
/// AMQP 0-9-1 (RabbitMQ) through RabbitMQ.Client 7: topic exchanges, durable queues, prefetch, manual
/// acknowledgement, publisher confirms. Reconnects by itself with exponential backoff and jitter (the client's
/// own recovery is off: acknowledgement tokens from a lost connection must be recognised and dropped).
/// </summary>
public sealed partial class AmqpBroker : IBroker
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConnectionFactory _factory;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IConnection? _connection;
    private bool _disposed;

    public AmqpBroker(BrokerUrl url, ILogger logger, TimeProvider? time = null)
    {
        Url = url;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _factory = new ConnectionFactory
        {
            HostName = url.Host,
            Port = url.EffectivePort,
            // sr3: a broker URL without a user logs in as anonymous/anonymous.
            UserName = url.EffectiveUser,
            Password = url.Password ?? (url.EffectiveUser == BrokerUrl.AnonymousUser ? BrokerUrl.AnonymousUser : string.Empty),
            VirtualHost = url.VirtualHost,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.FromSeconds(15),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            HandshakeContinuationTimeout = TimeSpan.FromSeconds(10),
            ContinuationTimeout = TimeSpan.FromSeconds(20),
            ClientProvidedName = "sluice",
        };
        if (url.IsTls)
        {
            _factory.Ssl = new SslOption { Enabled = true, ServerName = url.Host };
        }
    }

    /// <summary>Registers the <c>amqp</c> and <c>amqps</c> schemes in <paramref name="registry"/>.</summary>
    public static void Register(BrokerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register("amqp", (url, logger, time) => new AmqpBroker(url, logger, time));
        registry.Register("amqps", (url, logger, time) => new AmqpBroker(url, logger, time));
    }

    public BrokerUrl Url { get; }

    /// <summary>The delay before reconnect attempt <paramref name="attempt"/>: exponential, capped, with jitter.</summary>
    internal static TimeSpan Backoff(int attempt)
    {
        var seconds = Math.Min(60, Math.Pow(2, Math.Min(attempt, 6)) * 0.25);
        return TimeSpan.FromSeconds(seconds * (0.75 + (Random.Shared.NextDouble() * 0.5)));
    }

    /// <summary>The live connection, connecting (with backoff) as long as it takes or until cancelled.</summary>
    internal async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var current = _connection;
        if (current is { IsOpen: true })
        {
            return current;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                current = _connection;
                if (current is { IsOpen: true })
                {
                    return current;
                }

                try
                {
                    if (current is not null)
                    {
                        await current.DisposeAsync().ConfigureAwait(false);
                    }

                    _connection = await _factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
                    AmqpLog.Connected(_logger, Url.ToString());
                    return _connection;
                }
                catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
                {
                    var delay = Backoff(attempt);
                    AmqpLog.ConnectFailed(_logger, Url.ToString(), ex.Message, delay.TotalSeconds);
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    internal static bool IsConnectionFailure(Exception ex) =>
        ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or IOException or
            System.Net.Sockets.SocketException or TimeoutException or ConnectFailureException;

    public async Task<ISubscription> SubscribeAsync(SubscriptionOptions options, CancellationToken cancellationToken)
    {
        var subscription = new AmqpSubscription(this, options, _logger, _time);
        await subscription.StartAsync(cancellationToken).ConfigureAwait(false);
        return subscription;
    }

    public Task<IPublisher> CreatePublisherAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IPublisher>(new AmqpPublisher(this, _logger));

    public Task DeclareExchangeAsync(string exchange, bool durable, CancellationToken cancellationToken) =>
        WithChannelAsync(channel => channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable, autoDelete: false, arguments: null, passive: false, noWait: false, cancellationToken), cancellationToken);

    public Task DeleteExchangeAsync(string exchange, CancellationToken cancellationToken) =>
        WithChannelAsync(channel => channel.ExchangeDeleteAsync(exchange, ifUnused: false, noWait: false, cancellationToken), cancellationToken);

    public Task DeleteQueueAsync(string queue, CancellationToken cancellationToken) =>
        WithChannelAsync(async channel => await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false, noWait: false, cancellationToken).ConfigureAwait(false), cancellationToken);

    private async Task WithChannelAsync(Func<IChannel, Task> action, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await action(channel).ConfigureAwait(false);
            await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException ex)
        {
            throw new BrokerException(Url, ex.ShutdownReason?.ReplyText ?? ex.Message, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_connection is { } connection)
        {
            try
            {
                await connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _connectLock.Dispose();
    }

    private static partial class AmqpLog
    {
        [LoggerMessage(EventId = LogEvents.Amqp.Connected, Level = LogLevel.Information, Message = "connected to {Broker}")]
        public static partial void Connected(ILogger logger, string broker);

        [LoggerMessage(EventId = LogEvents.Amqp.ConnectFailed, Level = LogLevel.Warning, Message = "cannot connect to {Broker}: {Reason}; trying again in {Seconds:F1}s")]
        public static partial void ConnectFailed(ILogger logger, string broker, string reason, double seconds);
    }
}
