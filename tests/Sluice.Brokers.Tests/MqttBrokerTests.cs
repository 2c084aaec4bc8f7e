using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Brokers;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Tests.Servers;

namespace Sluice.Brokers.Tests;

[Collection("Mosquitto")]
public class MqttBrokerTests(MosquittoServer mosquitto)
{
    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    private MqttBroker Broker() => new(BrokerUrl.Parse(mosquitto.Url), NullLogger.Instance);

    private static SubscriptionOptions Subscription(string exchange, string queue, string prefix = "v03", int instances = 1, int instance = 1) => new()
    {
        Bindings = [new Binding(exchange, Topics.SplitPrefix(prefix), "#")],
        QueueName = queue,
        Prefetch = 100,
        Expire = TimeSpan.FromMinutes(10),
        Instances = instances,
        Instance = instance,
    };

    private static async Task<List<ReceivedMessage>> ReceiveAsync(ISubscription subscription, int count, bool ack = true)
    {
        var all = new List<ReceivedMessage>();
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        while (all.Count < count && !timeout.IsCancellationRequested)
        {
            var batch = await subscription.ReceiveAsync(count - all.Count, TimeSpan.FromMilliseconds(200), CancellationToken.None);
            if (ack)
            {
                await subscription.AcknowledgeAsync(batch.Select(b => b.AckToken).ToList(), CancellationToken.None);
            }

            all.AddRange(batch);
        }

        return all;
    }

    private static WireMessage Message(int n) => V03Format.Instance.Encode(new NotificationMessage("20261123T183058.0", "http://h/", $"a/b/f{n}.txt"), ["v03"]);

    [Theory]
    [InlineData("mqtt/v03_post_sha512.json")]
    [InlineData("mqtt/v02_post_md5.json")]
    [InlineData("amqp_v02/watch_rename.json")]
    public async Task A_captured_sr3_message_travels_through_Mosquitto_unchanged(string fixture)
    {
        var captured = CapturedMessage.Parse(Sluice.Tests.Fixtures.Read(fixture)).Wire;
        var exchange = Unique("xpublic");
        await using var broker = Broker();
        var prefix = captured.Topic[0] == "v02" ? "v02.post" : "v03";
        await using var subscription = await broker.SubscribeAsync(Subscription(exchange, Unique("q_"), prefix), CancellationToken.None);
        await using var publisher = await broker.CreatePublisherAsync(CancellationToken.None);
        await publisher.PublishAsync([new OutgoingMessage(exchange, captured)], CancellationToken.None);

        var received = Assert.Single(await ReceiveAsync(subscription, 1));
        Assert.Equal(captured.Topic, received.Wire.Topic);
        Assert.Equal(captured.ContentType, received.Wire.ContentType);
        Assert.Equal(captured.Headers, received.Wire.Headers);
        Assert.Equal(captured.Body.ToArray(), received.Wire.Body.ToArray());
        Assert.Equal(prefix == "v03" ? exchange : string.Empty, received.Exchange);
    }

    [Fact]
    public async Task A_message_not_acknowledged_is_delivered_again_to_the_same_session()
    {
        var exchange = Unique("xack");
        var queue = Unique("q_ack");
        await using var broker = Broker();
        var first = await broker.SubscribeAsync(Subscription(exchange, queue), CancellationToken.None);
        await using (var publisher = await broker.CreatePublisherAsync(CancellationToken.None))
        {
            await publisher.PublishAsync([new OutgoingMessage(exchange, Message(1))], CancellationToken.None);
        }

        Assert.Single(await ReceiveAsync(first, 1, ack: false));
        await first.DisposeAsync();

        await using var again = await broker.SubscribeAsync(Subscription(exchange, queue), CancellationToken.None);
        var redelivered = Assert.Single(await ReceiveAsync(again, 1));
        Assert.Equal("a/b/f1.txt", MessageFormats.Decode(redelivered.Wire).RelPath);
    }

    [Fact]
    public async Task A_subscriber_that_was_down_receives_what_it_missed()
    {
        var exchange = Unique("xdown");
        var queue = Unique("q_down");
        await using var broker = Broker();
        await (await broker.SubscribeAsync(Subscription(exchange, queue), CancellationToken.None)).DisposeAsync();
        await using (var publisher = await broker.CreatePublisherAsync(CancellationToken.None))
        {
            await publisher.PublishAsync(Enumerable.Range(0, 50).Select(i => new OutgoingMessage(exchange, Message(i))).ToList(), CancellationToken.None);
        }

        await using var back = await broker.SubscribeAsync(Subscription(exchange, queue), CancellationToken.None);
        var missed = await ReceiveAsync(back, 50);
        Assert.Equal(50, missed.Select(m => MessageFormats.Decode(m.Wire).RelPath).Distinct().Count());
    }

    [Fact]
    public async Task Instances_share_one_subscription_and_split_the_load()
    {
        var exchange = Unique("xshare");
        var queue = Unique("q_share");
        await using var broker = Broker();
        await using var one = await broker.SubscribeAsync(Subscription(exchange, queue, instances: 2, instance: 1), CancellationToken.None);
        await using var two = await broker.SubscribeAsync(Subscription(exchange, queue, instances: 2, instance: 2), CancellationToken.None);
        await using (var publisher = await broker.CreatePublisherAsync(CancellationToken.None))
        {
            await publisher.PublishAsync(Enumerable.Range(0, 200).Select(i => new OutgoingMessage(exchange, Message(i))).ToList(), CancellationToken.None);
        }

        var seen = new ConcurrentDictionary<string, int>();
        var counts = new int[2];
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        while (seen.Count < 200 && !timeout.IsCancellationRequested)
        {
            var index = 0;
            foreach (var subscription in new[] { one, two })
            {
                var batch = await subscription.ReceiveAsync(100, TimeSpan.FromMilliseconds(100), CancellationToken.None);
                await subscription.AcknowledgeAsync(batch.Select(b => b.AckToken).ToList(), CancellationToken.None);
                counts[index++] += batch.Count;
                foreach (var m in batch)
                {
                    seen.AddOrUpdate(MessageFormats.Decode(m.Wire).RelPath, 1, (_, n) => n + 1);
                }
            }
        }

        Assert.Equal(200, seen.Count);
        Assert.All(seen.Values, n => Assert.Equal(1, n));
        Assert.True(counts[0] > 0 && counts[1] > 0, $"load not shared: {counts[0]} / {counts[1]}");
    }
}
