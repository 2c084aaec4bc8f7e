using System.Threading.Channels;

namespace Sluice.Core.Brokers;

/// <summary>
/// What a broker adapter has received and not yet handed to its flow. The receive handler adds copies (it never
/// waits); the flow takes batches. Deliveries from a lost connection can be dropped: the broker sends them again.
/// The broker's own window (prefetch, receive maximum) bounds how much it holds.
/// </summary>
public sealed class DeliveryBuffer
{
    private readonly Channel<ReceivedMessage> _channel = Channel.CreateUnbounded<ReceivedMessage>(new UnboundedChannelOptions { SingleReader = true });

    public void Add(ReceivedMessage message) => _channel.Writer.TryWrite(message);

    /// <summary>Drops, from the front, the deliveries that are no longer valid.</summary>
    public void DropStale(Func<ReceivedMessage, bool> isCurrent)
    {
        while (_channel.Reader.TryPeek(out var first) && !isCurrent(first))
        {
            _channel.Reader.TryRead(out _);
        }
    }

    /// <summary>Waits up to <paramref name="wait"/> for deliveries, then takes up to <paramref name="max"/> current ones.</summary>
    public async ValueTask<IReadOnlyList<ReceivedMessage>> TakeAsync(int max, TimeSpan wait, Func<ReceivedMessage, bool> isCurrent, CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        if (!reader.TryPeek(out _))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return [];
            }
        }

        var batch = new List<ReceivedMessage>(Math.Min(max, 256));
        while (batch.Count < max && reader.TryRead(out var message))
        {
            if (isCurrent(message))
            {
                batch.Add(message);
            }
        }

        return batch;
    }
}
