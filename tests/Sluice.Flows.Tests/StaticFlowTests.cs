using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Core.Transfers;
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
    public async Task A_tree_goes_post_sarra_subscribe_over_RabbitMQ_and_arrives_identical()
    {
        Pump.EnsureRegistered();
        using var work = new TempDirectory();
        var source = work.File("source");
        var pumpTree = work.File("pump");
        var destination = work.File("destination");
        var files = Pump.MakeTree(source, 10, 10, 10);
        var directories = 10 + 100;
        var messages = files + directories;

        var id = Guid.NewGuid().ToString("N")[..8];
        var broker = BrokerAdmin(rabbit.Url);
        await broker.DeclareExchangeAsync($"xs_{id}", durable: false, CancellationToken.None);
        await broker.DeclareExchangeAsync($"xpublic_{id}", durable: false, CancellationToken.None);
        await broker.DisposeAsync();

        await using var sourceServer = await Pump.ServeAsync(source);
        await using var pumpServer = await Pump.ServeAsync(pumpTree);

        var sarra = await FlowFactory.CreateAsync(Pump.Settings("sarra", rabbit.Url, $"xs_{id}", $"q_guest.sarra.{id}", messages, work.File("state/sarra"),
            new DownloadOptions { Directory = pumpTree, Mirror = true, PostBaseUrl = pumpServer.BaseUrl.ToString(), PostBaseDir = pumpTree },
            postExchange: $"xpublic_{id}"), NullLogger.Instance, null, CancellationToken.None);
        var subscribe = await FlowFactory.CreateAsync(Pump.Settings("subscribe", rabbit.Url, $"xpublic_{id}", $"q_guest.subscribe.{id}", messages, work.File("state/subscribe"),
            new DownloadOptions { Directory = destination, Mirror = true }), NullLogger.Instance, null, CancellationToken.None);

        using var timeout = new CancellationTokenSource(Patience.Stream);
        var running = Task.WhenAll(sarra.RunAsync(timeout.Token), subscribe.RunAsync(timeout.Token));
        var posted = await Pump.PostAsync(rabbit.Url, $"xs_{id}", source, sourceServer.BaseUrl);
        await running;

        Assert.Equal(messages, posted);
        Assert.Equal(Pump.Checksums(source), Pump.Checksums(destination));
        Assert.Equal(Pump.Checksums(source), Pump.Checksums(pumpTree));
        foreach (var flow in new[] { sarra, subscribe })
        {
            Assert.Equal(messages, flow.Metrics.Received);
            Assert.Equal(messages, flow.Metrics.Accepted);
            Assert.Equal(messages, flow.Metrics.WorkOk);
            Assert.Equal(messages, flow.Metrics.Acknowledged);
            Assert.Equal(0, flow.Metrics.RetryQueued);
        }

        Assert.Equal(messages, sarra.Metrics.Posted);
        var queues = await rabbit.RunCtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged");
        foreach (var line in queues.Split('\n').Where(l => l.Contains(id, StringComparison.Ordinal)))
        {
            Assert.EndsWith("\t0\t0", line.TrimEnd());
        }

        await sarra.DisposeAsync();
        await subscribe.DisposeAsync();
    }

    internal static Sluice.Core.Brokers.IBroker BrokerAdmin(string url) =>
        Sluice.Core.Brokers.BrokerRegistry.Create(Sluice.Core.Brokers.BrokerUrl.Parse(url), NullLogger.Instance);
}
