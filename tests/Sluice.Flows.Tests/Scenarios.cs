using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Core.Work;
using Sluice.Tests.Servers;

namespace Sluice.Flows.Tests;

/// <summary>End-to-end scenarios run against more than one kind of broker.</summary>
internal static class Scenarios
{
    /// <summary>post -> sarra -> subscribe of a 1,000-file tree; the source and destination must be identical and the counts equal.</summary>
    public static async Task PostSarraSubscribeAsync(string sourceBroker, string pumpBroker, string postFormat, Func<string, Task>? checkQueues = null, string sourceFormat = "v03")
    {
        using var work = new TempDirectory();
        var source = work.File("source");
        var pumpTree = work.File("pump");
        var destination = work.File("destination");
        var files = Pump.MakeTree(source, 10, 10, 10);
        var messages = files + 10 + 100;
        var id = Guid.NewGuid().ToString("N")[..8];
        await using (var admin = StaticFlowTests.BrokerAdmin(sourceBroker))
        {
            await admin.DeclareExchangeAsync($"xs_{id}", durable: false, CancellationToken.None);
        }

        await using (var admin = StaticFlowTests.BrokerAdmin(pumpBroker))
        {
            await admin.DeclareExchangeAsync($"xpublic_{id}", durable: false, CancellationToken.None);
        }

        await using var sourceServer = await Pump.ServeAsync(source);
        await using var pumpServer = await Pump.ServeAsync(pumpTree);
        var sarra = await FlowBuilder.BuildAsync(
            Pump.Settings("sarra", sourceBroker, $"xs_{id}", $"q_guest.sarra.{id}", messages, work.File("state/sarra"),
                new DownloadOptions { Directory = pumpTree, Mirror = true, PostBaseUrl = pumpServer.BaseUrl, PostBaseDir = pumpTree },
                postExchange: $"xpublic_{id}", postFormat: postFormat, postBroker: pumpBroker),
            Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        var subscribe = await FlowBuilder.BuildAsync(
            Pump.Settings("subscribe", pumpBroker, $"xpublic_{id}", $"q_guest.subscribe.{id}", messages, work.File("state/subscribe"), new DownloadOptions { Directory = destination, Mirror = true }),
            Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);

        using var timeout = new CancellationTokenSource(Patience.Stream);
        var running = Task.WhenAll(sarra.RunAsync(timeout.Token), subscribe.RunAsync(timeout.Token));
        var posted = await Pump.PostAsync(sourceBroker, $"xs_{id}", source, sourceServer.BaseUrl, sourceFormat);
        await running;
        Assert.False(timeout.IsCancellationRequested, "the flows did not finish in time");

        Assert.Equal(messages, posted);
        Assert.Equal(Pump.Checksums(source), Pump.Checksums(pumpTree));
        Assert.Equal(Pump.Checksums(source), Pump.Checksums(destination));
        foreach (var flow in new[] { sarra, subscribe })
        {
            Assert.Equal(messages, flow.Metrics.Received);
            Assert.Equal(messages, flow.Metrics.Accepted);
            Assert.Equal(messages, flow.Metrics.WorkOk);
            Assert.Equal(messages, flow.Metrics.Acknowledged);
            Assert.Equal(0, flow.Metrics.RetryQueued);
        }

        Assert.Equal(messages, sarra.Metrics.Posted);
        if (checkQueues is not null)
        {
            await checkQueues(id);
        }

        await sarra.DisposeAsync();
        await subscribe.DisposeAsync();
    }
}
