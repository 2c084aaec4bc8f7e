using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Tests.Servers;

namespace Sluice.Flows.Tests;

/// <summary>What a shovel configured as sr3's pump ingest sets on the messages it reposts, through RabbitMQ.</summary>
[Collection("RabbitMQ")]
public class MessageFieldsFlowTests(RabbitMqServer rabbit)
{
    [Fact]
    public async Task A_shovel_reading_xs_alice_reposts_with_alice_as_source_and_its_header_values()
    {
        using var work = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..8];
        var input = $"xs_alice_{id}";
        var output = $"xout_{id}";
        var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(rabbit.Url), NullLogger.Instance);
        await using var _ = broker;
        await broker.DeclareExchangeAsync(input, durable: false, CancellationToken.None);
        await broker.DeclareExchangeAsync(output, durable: false, CancellationToken.None);
        var reader = await broker.SubscribeAsync(new SubscriptionOptions { Bindings = [new Binding(output, ["v03"], "#")], QueueName = $"q_read_{id}", Durable = false }, CancellationToken.None);
        await using var __ = reader;

        var text = $"broker {rabbit.Url}\nexchange {input}\npost_broker {rabbit.Url}\npost_exchange {output}\nsourceFromExchange on\nheader origin=ingest\nmessageCountMax 1\n";
        var config = ConfigLoader.LoadText("shovel", $"ingest{id}", text);
        var settings = ConfigMapping.ToSettings(config, new SluicePaths(work.File("config"), work.File("state")), CredentialStore.Empty, 1);
        await using var flow = await FlowBuilder.BuildAsync(settings, Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        var running = flow.RunAsync(timeout.Token);

        // A source claiming to be someone else: the pump's ingest says who it really is.
        var publisher = await broker.CreatePublisherAsync(CancellationToken.None);
        await using (publisher)
        {
            var claimed = new NotificationMessage(SrTime.Format(DateTimeOffset.UtcNow), "http://h/", "obs/a.txt") { Source = "mallory", Size = 1 };
            await publisher.PublishAsync([new OutgoingMessage(input, V03Format.Instance.Encode(claimed, ["v03"]))], CancellationToken.None);
        }

        await running;
        Assert.False(timeout.IsCancellationRequested, "timed out");
        NotificationMessage? reposted = null;
        while (reposted is null && !timeout.IsCancellationRequested)
        {
            var got = await reader.ReceiveAsync(1, TimeSpan.FromMilliseconds(200), timeout.Token);
            reposted = got.Count > 0 ? MessageFormats.Decode(got[0].Wire) : null;
        }

        Assert.NotNull(reposted);
        Assert.Equal("obs/a.txt", reposted.RelPath);
        Assert.Equal("alice", reposted.Source);
        Assert.Equal("ingest", reposted.FindHeader("origin")?.StringValue);
    }
}
