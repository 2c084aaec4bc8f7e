using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Brokers.Amqp;
using Sluice.Core.Brokers;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Tests.Servers;

namespace Sluice.Brokers.Tests;

/// <summary>A broker restart in the middle of a stream loses nothing: it has a RabbitMQ of its own to restart.</summary>
public class AmqpRestartTests : IAsyncLifetime
{
    private readonly RabbitMqServer _rabbit = new();

    public Task InitializeAsync() => _rabbit.InitializeAsync();

    public Task DisposeAsync() => _rabbit.DisposeAsync();

    [Fact]
    public async Task Ten_thousand_messages_survive_a_broker_restart_in_the_middle()
    {
        const int total = 10_000;
        var url = BrokerUrl.Parse(_rabbit.Url);
        await using var broker = new AmqpBroker(url, NullLogger.Instance);
        await broker.DeclareExchangeAsync("xrestart", durable: true, CancellationToken.None);
        var options = new SubscriptionOptions
        {
            Bindings = [new Binding("xrestart", ["v03"], "#")],
            QueueName = "q_guest.subscribe.restart.00000001.00000002",
            Prefetch = 100,
            Expire = TimeSpan.Zero,
        };
        await using var subscription = await broker.SubscribeAsync(options, CancellationToken.None);
        await using var publisher = await broker.CreatePublisherAsync(CancellationToken.None);

        var seen = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource(Patience.Stream);
        var consumer = Task.Run(async () =>
        {
            while (seen.Count < total && !stop.IsCancellationRequested)
            {
                var batch = await subscription.ReceiveAsync(100, TimeSpan.FromMilliseconds(200), stop.Token);
                foreach (var m in batch)
                {
                    seen.AddOrUpdate(MessageFormats.Decode(m.Wire).RelPath, 1, (_, n) => n + 1);
                }

                await subscription.AcknowledgeAsync(batch.Select(b => b.AckToken).ToList(), stop.Token);
            }
        });

        for (var sent = 0; sent < total; sent += 100)
        {
            var batch = Enumerable.Range(sent, 100)
                .Select(i => new OutgoingMessage("xrestart", V03Format.Instance.Encode(new NotificationMessage("20261123T183058.0", "http://h/", $"d{i % 10}/f{i}"), ["v03"])))
                .ToList();
            await publisher.PublishAsync(batch, stop.Token);
            if (sent == total / 2)
            {
                await _rabbit.RestartAsync();
            }
        }

        await consumer;
        Assert.Equal(total, seen.Count);
        Assert.True(seen.Values.Sum() >= total);
    }
}
