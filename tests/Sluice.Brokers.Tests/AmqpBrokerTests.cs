using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Sluice.Brokers.Amqp;
using Sluice.Core.Brokers;
using Sluice.Core.Config;
using Sluice.Core.Formats;
using Sluice.Tests.Servers;

namespace Sluice.Brokers.Tests;

[Collection("RabbitMQ")]
public class AmqpBrokerTests(RabbitMqServer rabbit)
{
    private static string Unique(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..24];

    private AmqpBroker Broker() => new(BrokerUrl.Parse(rabbit.Url), NullLogger.Instance);

    private static SubscriptionOptions Subscription(string exchange, string queue, string prefix = "v03", string subtopic = "#") => new()
    {
        Bindings = [new Binding(exchange, Topics.SplitPrefix(prefix), subtopic)],
        QueueName = queue,
        Prefetch = 50,
        Expire = TimeSpan.FromMinutes(10),
    };

    private static async Task<List<ReceivedMessage>> ReceiveAsync(ISubscription subscription, int count, TimeSpan? patience = null)
    {
        var all = new List<ReceivedMessage>();
        using var timeout = new CancellationTokenSource(patience ?? Patience.Delivery);
        while (all.Count < count && !timeout.IsCancellationRequested)
        {
            all.AddRange(await subscription.ReceiveAsync(count - all.Count, TimeSpan.FromMilliseconds(200), CancellationToken.None));
        }

        return all;
    }

    public static TheoryData<string> Fixtures() => ["amqp_v03/post_sha512.json", "amqp_v03/watch_rename.json", "amqp_v02/post_sha512.json", "amqp_v02/watch_link.json", "amqp_v02/post_blocks_25MiB_block1.json"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task A_captured_sr3_message_travels_through_RabbitMQ_unchanged(string fixture)
    {
        var captured = CapturedMessage.Parse(Sluice.Tests.Fixtures.Read(fixture)).Wire;
        var exchange = Unique("xtest");
        await using var broker = Broker();
        await broker.DeclareExchangeAsync(exchange, durable: false, CancellationToken.None);
        await using var subscription = await broker.SubscribeAsync(Subscription(exchange, Unique("q_test"), string.Join('.', captured.Topic.Take(captured.Topic[0] == "v02" ? 2 : 1))), CancellationToken.None);
        await using var publisher = await broker.CreatePublisherAsync(CancellationToken.None);

        await publisher.PublishAsync([new OutgoingMessage(exchange, captured)], CancellationToken.None);
        var received = Assert.Single(await ReceiveAsync(subscription, 1));

        Assert.Equal(exchange, received.Exchange);
        Assert.Equal(captured.RoutingKey, received.Wire.RoutingKey);
        Assert.Equal(captured.ContentType, received.Wire.ContentType);
        Assert.Equal(captured.Headers, received.Wire.Headers);
        Assert.Equal(captured.Body.ToArray(), received.Wire.Body.ToArray());
        var decoded = MessageFormats.Decode(received.Wire);
        Assert.Equal(MessageFormats.Decode(captured).RelPath, decoded.RelPath);
        await subscription.AcknowledgeAsync([received.AckToken], CancellationToken.None);
    }

    [Fact]
    public async Task Published_messages_carry_the_amqp_properties_sr3_sets()
    {
        var captured = CapturedMessage.Parse(Sluice.Tests.Fixtures.Read("amqp_v02/post_md5.json")).Wire;
        var exchange = Unique("xprops");
        var queue = Unique("q_props");
        await using var broker = Broker();
        await broker.DeclareExchangeAsync(exchange, durable: false, CancellationToken.None);
        await (await broker.SubscribeAsync(Subscription(exchange, queue, "v02.post"), CancellationToken.None)).DisposeAsync();
        await using (var publisher = await broker.CreatePublisherAsync(CancellationToken.None))
        {
            await publisher.PublishAsync([new OutgoingMessage(exchange, captured)], CancellationToken.None);
        }

        // Read it back with a bare RabbitMQ client, as sr3 (or any other consumer) sees it.
        var factory = new ConnectionFactory { Uri = new Uri(rabbit.Url) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        BasicGetResult? got = null;
        for (var i = 0; i < 50 && got is null; i++)
        {
            got = await channel.BasicGetAsync(queue, autoAck: true);
            await Task.Delay(got is null ? 100 : 0);
        }

        Assert.NotNull(got);
        Assert.Equal("text/plain", got.BasicProperties.ContentType);
        Assert.Equal("utf-8", got.BasicProperties.ContentEncoding);
        Assert.Equal(DeliveryModes.Persistent, got.BasicProperties.DeliveryMode);
        Assert.Equal(captured.Headers.Select(h => h.Key), got.BasicProperties.Headers!.Keys);
        Assert.Equal("d,a3175d52306c0998c67898194369c7f1", Encoding.UTF8.GetString((byte[])got.BasicProperties.Headers!["sum"]!));
        Assert.Equal(captured.Body.ToArray(), got.Body.ToArray());
    }

    [Fact]
    public async Task A_message_not_acknowledged_comes_back_to_the_next_consumer()
    {
        var exchange = Unique("xack");
        var queue = Unique("q_ack");
        await using var broker = Broker();
        await broker.DeclareExchangeAsync(exchange, durable: false, CancellationToken.None);
        var wire = V03Format.Instance.Encode(new Core.Messages.NotificationMessage("20261123T183058.0", "http://h/", "a/b/c.txt"), ["v03"]);
        var first = await broker.SubscribeAsync(Subscription(exchange, queue), CancellationToken.None);
        await using (var publisher = await broker.CreatePublisherAsync(CancellationToken.None))
        {
            await publisher.PublishAsync([new OutgoingMessage(exchange, wire), new OutgoingMessage(exchange, wire)], CancellationToken.None);
        }

        var got = await ReceiveAsync(first, 2);
        Assert.Equal(2, got.Count);
        Assert.All(got, m => Assert.False(m.Redelivered));
        await first.AcknowledgeAsync([got[0].AckToken], CancellationToken.None);
        await first.DisposeAsync(); // dies before acknowledging the second

        await using var second = await broker.SubscribeAsync(Subscription(exchange, queue), CancellationToken.None);
        var again = Assert.Single(await ReceiveAsync(second, 1));
        Assert.True(again.Redelivered);
        Assert.Equal("a/b/c.txt", MessageFormats.Decode(again.Wire).RelPath);
        await second.AcknowledgeAsync([again.AckToken], CancellationToken.None);
        Assert.Empty(await second.ReceiveAsync(10, TimeSpan.FromMilliseconds(500), CancellationToken.None));
    }

    [Fact]
    public async Task Acknowledgements_out_of_order_take_each_message_once_and_leave_the_one_still_worked_on()
    {
        var exchange = Unique("xorder");
        var queue = Unique("q_order");
        await using var broker = Broker();
        await broker.DeclareExchangeAsync(exchange, durable: false, CancellationToken.None);
        var first = await broker.SubscribeAsync(Subscription(exchange, queue), CancellationToken.None);
        await using (var publisher = await broker.CreatePublisherAsync(CancellationToken.None))
        {
            await publisher.PublishAsync([.. Enumerable.Range(1, 6).Select(i => new OutgoingMessage(exchange, V03Format.Instance.Encode(new Core.Messages.NotificationMessage("20261204T183058.0", "http://h/", $"m{i}"), ["v03"])))], CancellationToken.None);
        }

        var got = await ReceiveAsync(first, 6);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5", "m6"], got.Select(m => MessageFormats.Decode(m.Wire).RelPath));

        // m2 and m3 while m1 is worked on (one frame each); then m1, m4 and m6 while m5 is: m1 to m4 in one frame
        // (m2 and m3, taken already, are not acknowledged twice by it), m6 alone. A frame for a message acknowledged already
        // would close the channel, and a multiple one covering m5 would take it: either way, not only m5 would come back.
        await first.AcknowledgeAsync([got[2].AckToken, got[1].AckToken], CancellationToken.None);
        await first.AcknowledgeAsync([got[5].AckToken, got[0].AckToken, got[3].AckToken], CancellationToken.None);
        await first.DisposeAsync();

        await using var second = await broker.SubscribeAsync(Subscription(exchange, queue), CancellationToken.None);
        var again = Assert.Single(await ReceiveAsync(second, 1));
        Assert.Equal("m5", MessageFormats.Decode(again.Wire).RelPath);
        await second.AcknowledgeAsync([again.AckToken], CancellationToken.None);
        Assert.Empty(await second.ReceiveAsync(10, TimeSpan.FromMilliseconds(500), CancellationToken.None));
    }

    [Fact]
    public async Task Subscribing_to_a_missing_exchange_is_a_clear_error()
    {
        await using var broker = Broker();
        var ex = await Assert.ThrowsAsync<BrokerRefusedException>(() => broker.SubscribeAsync(Subscription("x_does_not_exist", Unique("q_x")), CancellationToken.None));
        Assert.Contains("exchange x_does_not_exist does not exist: check `exchange`, or have it declared (`sluice declare sarra/x`", ex.Describe("sarra/x"));
        Assert.DoesNotContain("guest:guest", ex.Message);
    }

    [Fact]
    public async Task A_queue_that_exists_with_another_expire_is_refused_in_one_line_saying_what_to_do()
    {
        var queue = Unique("q_guest");
        await using (var first = Broker())
        {
            await using var made = await first.SubscribeAsync(Subscription("amq.topic", queue) with { Expire = TimeSpan.FromMinutes(5) }, CancellationToken.None);
        }

        await using var broker = Broker();
        var ex = await Assert.ThrowsAsync<BrokerRefusedException>(() => broker.SubscribeAsync(Subscription("amq.topic", queue) with { Expire = TimeSpan.FromMinutes(10) }, CancellationToken.None));
        Assert.Equal(
            $"amqp://guest@127.0.0.1:{rabbit.Port}/: queue {queue} exists with x-expires=300000, this configuration asks 600000: run `sluice cleanup shovel/s` to delete it, or set `expire` to match",
            ex.Describe("shovel/s"));
    }

    [Fact]
    public async Task A_url_without_a_user_logs_in_as_anonymous_and_not_as_guest()
    {
        var url = BrokerUrl.Parse(CredentialStore.Empty.Complete(await rabbit.AnonymousUrlAsync()));
        Assert.Equal("anonymous", url.User);
        await using var broker = new AmqpBroker(url with { User = null, Password = null }, NullLogger.Instance);
        await using var subscription = await broker.SubscribeAsync(Subscription("amq.topic", Unique("q_anonymous")), CancellationToken.None);
        var users = (await rabbit.RunCtlAsync("list_connections", "user", "--silent")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("anonymous", users);
    }
}
