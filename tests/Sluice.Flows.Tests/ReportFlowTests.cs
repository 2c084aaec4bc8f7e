using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Tests.Servers;

namespace Sluice.Flows.Tests;

public class ReportFlowTests
{
    [Fact]
    public async Task A_subscriber_with_report_on_reports_to_its_own_xr_exchange_on_the_embedded_broker_and_a_feeder_reads_it()
    {
        using var dir = new TempDirectory();
        var port = Ports.Free();
        await using var embedded = new EmbeddedMqttBroker(new EmbeddedBrokerOptions
        {
            Port = port,
            Users = [new PumpUser("bob", "bob-pw", "subscriber"), new PumpUser("feed", "feed-pw", "feeder")],
        }, NullLogger.Instance);
        await embedded.StartAsync();

        await using var feeder = new MqttBroker(BrokerUrl.Parse(embedded.Url("feed", "feed-pw")), NullLogger.Instance);
        await using var reports = await feeder.SubscribeAsync(new SubscriptionOptions { Bindings = [new Binding("xr_bob", ["v03"], "#")], QueueName = "q_feed.reports" }, CancellationToken.None);

        var config = ConfigLoader.LoadText("subscribe", "r",
            $"broker {embedded.Url("bob", "bob-pw")}/\nexchange xpublic\nsubtopic #\nreport on\nreject .*\ndirectory {dir.File("data")}\n");
        var settings = ConfigMapping.ToSettings(config, new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, 1);
        Assert.Equal("xr_bob", settings.ReportExchange);
        await using var flow = await FlowBuilder.BuildAsync(settings, Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var running = flow.RunAsync(stop.Token);

        await using var feederPublisher = await feeder.CreatePublisherAsync(CancellationToken.None);
        await feederPublisher.PublishAsync([new OutgoingMessage("xpublic", V03Format.Instance.Encode(new NotificationMessage("20260101T000000", "http://h/", "obs/t.txt"), ["v03"]))], CancellationToken.None);

        var got = new List<ReceivedMessage>();
        using var patience = new CancellationTokenSource(Patience.Delivery);
        while (got.Count < 1 && !patience.IsCancellationRequested)
        {
            got.AddRange(await reports.ReceiveAsync(10, TimeSpan.FromMilliseconds(200), CancellationToken.None));
        }

        await stop.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
        }

        var report = Assert.Single(got);
        Assert.Equal("obs/t.txt", MessageFormats.Decode(report.Wire).RelPath);
        Assert.Contains("\"report\"", Encoding.UTF8.GetString(report.Wire.Body.Span));
    }
}
