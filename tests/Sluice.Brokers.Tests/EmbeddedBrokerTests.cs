using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Brokers;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Tests.Servers;

namespace Sluice.Brokers.Tests;

public class EmbeddedBrokerTests : IAsyncLifetime
{
    private readonly EmbeddedMqttBroker _broker = new(new EmbeddedBrokerOptions
    {
        Port = Ports.Free(),
        Users = [new PumpUser("alice", "alice-pw", "source"), new PumpUser("bob", "bob-pw", "subscriber"), new PumpUser("feeder", "feed-pw", "feeder")],
    }, NullLogger.Instance);

    public Task InitializeAsync() => _broker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private MqttBroker Client(string user, string password) => new(BrokerUrl.Parse(_broker.Url(user, password)), NullLogger.Instance);

    private static WireMessage Message(string relPath) => V03Format.Instance.Encode(new NotificationMessage("20261123T183058.0", "http://h/", relPath), ["v03"]);

    private static SubscriptionOptions Subscription(string exchange, string queue) => new()
    {
        Bindings = [new Binding(exchange, ["v03"], "#")],
        QueueName = queue,
    };

    [Fact]
    public async Task A_source_publishes_to_its_own_exchange_and_a_subscriber_reads_the_public_one()
    {
        await using var bob = Client("bob", "bob-pw");
        await using var subscription = await bob.SubscribeAsync(Subscription("xpublic", "q_bob_1"), CancellationToken.None);
        await using var alice = Client("alice", "alice-pw");
        await using var feeder = Client("feeder", "feed-pw");
        await using var alicePublisher = await alice.CreatePublisherAsync(CancellationToken.None);
        await using var feederPublisher = await feeder.CreatePublisherAsync(CancellationToken.None);

        await alicePublisher.PublishAsync([new OutgoingMessage("xs_alice", Message("obs/a.txt"))], CancellationToken.None);
        await feederPublisher.PublishAsync([new OutgoingMessage("xpublic", Message("obs/b.txt"))], CancellationToken.None);

        var got = new List<ReceivedMessage>();
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        while (got.Count < 1 && !timeout.IsCancellationRequested)
        {
            got.AddRange(await subscription.ReceiveAsync(10, TimeSpan.FromMilliseconds(200), CancellationToken.None));
        }

        Assert.Equal("obs/b.txt", MessageFormats.Decode(Assert.Single(got).Wire).RelPath);
    }

    [Fact]
    public async Task A_source_publishing_to_another_users_exchange_is_refused()
    {
        await using var alice = Client("alice", "alice-pw");
        await using var publisher = await alice.CreatePublisherAsync(CancellationToken.None);
        var ex = await Assert.ThrowsAsync<BrokerException>(async () => await publisher.PublishAsync([new OutgoingMessage("xs_bob", Message("x.txt"))], CancellationToken.None));
        Assert.Contains("NotAuthorized", ex.Message);
        await Assert.ThrowsAsync<BrokerException>(async () => await publisher.PublishAsync([new OutgoingMessage("xpublic", Message("x.txt"))], CancellationToken.None));
    }

    [Fact]
    public async Task A_subscriber_may_not_read_someone_elses_reports_and_a_wrong_password_is_refused()
    {
        await using var bob = Client("bob", "bob-pw");
        var ex = await Assert.ThrowsAsync<BrokerException>(() => bob.SubscribeAsync(Subscription("xr_alice", "q_bob_2"), CancellationToken.None));
        Assert.Contains("xr_alice", ex.Message);
        await using var ownReports = await bob.SubscribeAsync(Subscription("xr_bob", "q_bob_3"), CancellationToken.None);

        await using var intruder = Client("bob", "guess");
        await Assert.ThrowsAnyAsync<Exception>(() => intruder.SubscribeAsync(Subscription("xpublic", "q_x"), CancellationToken.None));
    }

    [Fact]
    public async Task Each_user_publishes_to_its_own_report_exchange_and_to_no_one_elses()
    {
        await using var bob = Client("bob", "bob-pw");
        await using var alice = Client("alice", "alice-pw");
        await using var bobPublisher = await bob.CreatePublisherAsync(CancellationToken.None);
        await using var alicePublisher = await alice.CreatePublisherAsync(CancellationToken.None);
        await bobPublisher.PublishAsync([new OutgoingMessage("xr_bob", Message("r.txt"))], CancellationToken.None);
        await alicePublisher.PublishAsync([new OutgoingMessage("xr_alice", Message("r.txt"))], CancellationToken.None);
        var ex = await Assert.ThrowsAsync<BrokerException>(async () => await bobPublisher.PublishAsync([new OutgoingMessage("xr_alice", Message("x.txt"))], CancellationToken.None));
        Assert.Contains("NotAuthorized", ex.Message);
        await using var alicePublisher2 = await alice.CreatePublisherAsync(CancellationToken.None);
        await Assert.ThrowsAsync<BrokerException>(async () => await alicePublisher2.PublishAsync([new OutgoingMessage("xr_bob", Message("x.txt"))], CancellationToken.None));
    }

    [Fact]
    public async Task Retained_messages_survive_a_restart_of_the_broker()
    {
        using var state = new TempDirectory();
        var port = Ports.Free();
        var options = new EmbeddedBrokerOptions { Port = port, Users = [new PumpUser("feeder", "feed-pw", "feeder")], StateDirectory = state.Path };
        var factory = new MqttClientFactory();
        var connect = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithCredentials("feeder", "feed-pw")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build();
        await using (var first = new EmbeddedMqttBroker(options, NullLogger.Instance))
        {
            await first.StartAsync();
            using var publisher = factory.CreateMqttClient();
            await publisher.ConnectAsync(connect);
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("xpublic/v03/status").WithPayload("up")
                .WithRetainFlag().WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
            var deadline = DateTime.UtcNow + Patience.Delivery;
            while (!File.Exists(state.File("retained.json")) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            await publisher.DisconnectAsync();
        }

        await using var second = new EmbeddedMqttBroker(options, NullLogger.Instance);
        await second.StartAsync();
        using var subscriber = factory.CreateMqttClient();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage.Topic + " " + e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(connect);
        await subscriber.SubscribeAsync("xpublic/v03/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("xpublic/v03/status up", await received.Task.WaitAsync(Patience.Delivery));
    }
}
