using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Tests.Servers;

namespace Sluice.Flows.Tests;

/// <summary>
/// static_flow: a tree of 1,000 files in nested directories goes post -> sarra -> subscribe through a real broker,
/// with real http data servers at each hop. The final tree must be identical and every count must match.
/// </summary>
[Collection("RabbitMQ")]
public class StaticFlowTests(RabbitMqServer rabbit)
{
    [Fact]
    public Task A_tree_goes_post_sarra_subscribe_over_RabbitMQ_and_arrives_identical() =>
        Scenarios.PostSarraSubscribeAsync(rabbit.Url, rabbit.Url, "v03", async id =>
        {
            var queues = await rabbit.RunCtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged");
            foreach (var line in queues.Split('\n').Where(l => l.Contains(id, StringComparison.Ordinal)))
            {
                Assert.EndsWith("\t0\t0", line.TrimEnd());
            }
        });

    [Fact]
    public async Task Two_posts_of_the_same_tree_through_a_winnow_pass_one_copy_per_file()
    {
        using var work = new TempDirectory();
        var source = work.File("source");
        var files = Pump.MakeTree(source, 4, 5, 10, seed: 7);
        var messages = files + 4 + 20;
        var id = Guid.NewGuid().ToString("N")[..8];
        await using (var admin = BrokerAdmin(rabbit.Url))
        {
            await admin.DeclareExchangeAsync($"xs_{id}", durable: false, CancellationToken.None);
            await admin.DeclareExchangeAsync($"xwinnowed_{id}", durable: false, CancellationToken.None);
        }

        await using var server = await Pump.ServeAsync(source);
        var winnow = await FlowBuilder.BuildAsync(Pump.Settings("winnow", rabbit.Url, $"xs_{id}", $"q_guest.winnow.{id}", 2 * messages, work.File("state/winnow"), postExchange: $"xwinnowed_{id}"), Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        var counter = await FlowBuilder.BuildAsync(Pump.Settings("shovel", rabbit.Url, $"xwinnowed_{id}", $"q_guest.count.{id}", 0, work.File("state/count")), Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);

        using var timeout = new CancellationTokenSource(Patience.Stream);
        var winnowing = winnow.RunAsync(timeout.Token);
        using var stopCounter = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var counting = counter.RunAsync(stopCounter.Token);
        await Pump.PostAsync(rabbit.Url, $"xs_{id}", source, server.BaseUrl);
        await Pump.PostAsync(rabbit.Url, $"xs_{id}", source, server.BaseUrl);
        await winnowing;
        while (counter.Metrics.Received < winnow.Metrics.Posted && !timeout.IsCancellationRequested)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500); // anything extra would show up now
        await stopCounter.CancelAsync();
        await counting;

        Assert.Equal(2 * messages, winnow.Metrics.Received);
        Assert.Equal(messages, winnow.Metrics.Duplicates);
        Assert.Equal(messages, winnow.Metrics.Posted);
        Assert.Equal(messages, counter.Metrics.Received);
        Assert.Equal(2 * messages, winnow.Metrics.Acknowledged);
        await winnow.DisposeAsync();
        await counter.DisposeAsync();
    }

    internal static Sluice.Core.Brokers.IBroker BrokerAdmin(string url) =>
        Sluice.Daemon.Adapters.Create().Brokers.Create(Sluice.Core.Brokers.BrokerUrl.Parse(url), NullLogger.Instance);
}
