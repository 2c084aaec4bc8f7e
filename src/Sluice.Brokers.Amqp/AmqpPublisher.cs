using System.Text;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sluice.Core.Brokers;

namespace Sluice.Brokers.Amqp;

/// <summary>
/// Publishes with publisher confirms, a batch at a time: every message of a batch is sent before the confirms
/// are awaited, so a batch costs one round trip, not one per message. Messages are persistent and carry the
/// properties sr3 sets (content type, <c>utf-8</c> encoding, delivery mode 2); header values are cut to 255 bytes
/// as sr3 cuts them.
/// </summary>
/// <remarks>
/// Confirms are tracked here rather than by the client library: its tracking adds an <c>x-dotnet-pub-seq-no</c>
/// header to every message, and the messages must go out exactly as sr3 would send them.
/// </remarks>
internal sealed class AmqpPublisher(AmqpBroker broker, ILogger logger) : IPublisher
{
    private const int MaxHeaderBytes = 255;

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly SortedDictionary<ulong, TaskCompletionSource> _unconfirmed = [];
    private IChannel? _channel;

    public async ValueTask PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var channel = await ChannelAsync(cancellationToken).ConfigureAwait(false);
                    var pending = new List<Task>(messages.Count);
                    foreach (var message in messages)
                    {
                        var properties = new BasicProperties
                        {
                            ContentType = message.Wire.ContentType,
                            ContentEncoding = "utf-8",
                            DeliveryMode = DeliveryModes.Persistent,
                        };
                        if (message.Wire.Headers.Count > 0)
                        {
                            properties.Headers = message.Wire.Headers.ToDictionary(h => h.Key, h => (object?)Truncate(h.Value));
                        }

                        var sequence = await channel.GetNextPublishSequenceNumberAsync(cancellationToken).ConfigureAwait(false);
                        var confirmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        lock (_unconfirmed)
                        {
                            _unconfirmed[sequence] = confirmed;
                        }

                        pending.Add(confirmed.Task);
                        await channel.BasicPublishAsync(message.Exchange, RoutingKey(message.Wire.Topic), mandatory: false, properties, message.Wire.Body, cancellationToken).ConfigureAwait(false);
                    }

                    await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when ((AmqpBroker.IsConnectionFailure(ex) || ex is PublishException) && attempt < 2 && !cancellationToken.IsCancellationRequested)
                {
                    // Sent again after a reconnect: at least once; receivers' nodupe takes care of a repeat.
                    await DropChannelAsync().ConfigureAwait(false);
                    logger.LogWarning("publish to {Broker} failed ({Reason}); reconnecting and sending the batch again", broker.Url, ex.Message);
                }
                catch (Exception ex) when (AmqpBroker.IsConnectionFailure(ex) || ex is PublishException)
                {
                    await DropChannelAsync().ConfigureAwait(false);
                    throw new BrokerException(broker.Url, "publish not confirmed: " + ex.Message, ex);
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The routing key: the topic words joined with dots, cut (at a word) to AMQP's 255 bytes.</summary>
    internal static string RoutingKey(IReadOnlyList<string> topic)
    {
        var key = string.Join('.', topic);
        while (Encoding.UTF8.GetByteCount(key) > 255)
        {
            var dot = key.LastIndexOf('.');
            key = dot > 0 ? key[..dot] : key[..Math.Min(key.Length, 255)];
        }

        return key;
    }

    /// <summary>sr3 limits each header to 255 characters.</summary>
    internal static byte[] Truncate(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length <= MaxHeaderBytes)
        {
            return bytes;
        }

        var cut = MaxHeaderBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--; // do not split a UTF-8 character
        }

        return bytes[..cut];
    }

    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await DropChannelAsync().ConfigureAwait(false);
        var connection = await broker.ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false), cancellationToken).ConfigureAwait(false);
        channel.BasicAcksAsync += (_, args) =>
        {
            Settle(args.DeliveryTag, args.Multiple, null);
            return Task.CompletedTask;
        };
        channel.BasicNacksAsync += (_, args) =>
        {
            Settle(args.DeliveryTag, args.Multiple, "the broker refused the message (nack)");
            return Task.CompletedTask;
        };
        channel.ChannelShutdownAsync += (_, args) =>
        {
            FailAll("the channel closed before confirming: " + args.ReplyText);
            return Task.CompletedTask;
        };
        _channel = channel;
        return channel;
    }

    private void Settle(ulong tag, bool multiple, string? failure)
    {
        var settled = new List<TaskCompletionSource>();
        lock (_unconfirmed)
        {
            if (multiple)
            {
                foreach (var key in _unconfirmed.Keys.TakeWhile(k => k <= tag).ToList())
                {
                    settled.Add(_unconfirmed[key]);
                    _unconfirmed.Remove(key);
                }
            }
            else if (_unconfirmed.Remove(tag, out var one))
            {
                settled.Add(one);
            }
        }

        foreach (var confirmation in settled)
        {
            if (failure is null)
            {
                confirmation.TrySetResult();
            }
            else
            {
                confirmation.TrySetException(new IOException(failure));
            }
        }
    }

    private void FailAll(string reason)
    {
        List<TaskCompletionSource> all;
        lock (_unconfirmed)
        {
            all = [.. _unconfirmed.Values];
            _unconfirmed.Clear();
        }

        foreach (var confirmation in all)
        {
            confirmation.TrySetException(new IOException(reason));
        }
    }

    private async Task DropChannelAsync()
    {
        FailAll("the channel was dropped");
        if (_channel is { } channel)
        {
            _channel = null;
            try
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (AmqpBroker.IsConnectionFailure(ex))
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DropChannelAsync().ConfigureAwait(false);
        _lock.Dispose();
    }
}
