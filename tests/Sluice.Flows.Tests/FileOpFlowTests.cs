using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Work;
using Sluice.Tests.Servers;

namespace Sluice.Flows.Tests;

/// <summary>watch -> broker -> subscribe: links, renames, removals and directories are replayed at the destination.</summary>
[Collection("Mosquitto")]
public class FileOpFlowTests(MosquittoServer mosquitto)
{
    [Fact]
    public async Task Links_renames_removals_and_directories_are_replayed_one_hop_away()
    {
        using var work = new TempDirectory();
        var source = work.File("source");
        var watched = Path.Combine(source, "watched");
        var destination = work.File("destination");
        Directory.CreateDirectory(watched);
        var exchange = "xops" + Guid.NewGuid().ToString("N")[..6];
        await using var server = await Pump.ServeAsync(source);

        var subscribe = await FlowBuilder.BuildAsync(
            Pump.Settings("subscribe", mosquitto.Url, exchange, "q_ops_" + exchange, 0, work.File("state"), new DownloadOptions { Directory = destination, Mirror = true }),
            Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        await using var watch = new WatchInput(new WatchOptions
        {
            Paths = [watched],
            Announce = new AnnounceOptions { PostBaseUrl = server.BaseUrl, PostBaseDir = source, Source = "tsource", FromCluster = "localhost" },
            Sleep = TimeSpan.FromMilliseconds(50),
        }, NullLogger.Instance);
        var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(mosquitto.Url), NullLogger.Instance);
        await using var output = new BrokerOutput(await broker.CreatePublisherAsync(CancellationToken.None), V03Format.Instance, [exchange], ["v03"]);
        await using var watchFlow = new Flow(new FlowOptions { Name = "watch/ops", ReceiveWait = TimeSpan.FromMilliseconds(50) }, watch, null, output, NullLogger.Instance);

        using var stop = new CancellationTokenSource(Patience.Stream);
        var running = Task.WhenAll(watchFlow.RunAsync(stop.Token), subscribe.RunAsync(stop.Token));
        var dest = Path.Combine(destination, "watched");

        async Task Until(Func<bool> condition, string what)
        {
            while (!condition())
            {
                Assert.False(stop.IsCancellationRequested, "timed out waiting for " + what);
                await Task.Delay(50);
            }
        }

        // The file appears whole (written beside the tree, then moved in): a watch that looked between its creation and its
        // write would announce it empty, and the download of the whole file would rightly be retried.
        await File.WriteAllTextAsync(work.File("created.txt"), "created, then renamed\n");
        File.Move(work.File("created.txt"), Path.Combine(watched, "created.txt"));
        Directory.CreateDirectory(Path.Combine(watched, "newdir"));
        await Until(() => File.Exists(Path.Combine(dest, "created.txt")) && Directory.Exists(Path.Combine(dest, "newdir")), "the file and the directory");

        File.CreateSymbolicLink(Path.Combine(watched, "link_to_created"), "created.txt");
        await Until(() => new FileInfo(Path.Combine(dest, "link_to_created")).LinkTarget is not null, "the link");
        Assert.Equal("created.txt", new FileInfo(Path.Combine(dest, "link_to_created")).LinkTarget);

        File.Move(Path.Combine(watched, "created.txt"), Path.Combine(watched, "renamed.txt"));
        await Until(() => File.Exists(Path.Combine(dest, "renamed.txt")) && !File.Exists(Path.Combine(dest, "created.txt")), "the rename");
        Assert.Equal("created, then renamed\n", await File.ReadAllTextAsync(Path.Combine(dest, "renamed.txt")));

        File.Delete(Path.Combine(watched, "renamed.txt"));
        Directory.Delete(Path.Combine(watched, "newdir"));
        await Until(() => !File.Exists(Path.Combine(dest, "renamed.txt")) && !Directory.Exists(Path.Combine(dest, "newdir")), "the removals");

        await stop.CancelAsync();
        await running;
        Assert.Equal(0, subscribe.Metrics.RetryQueued);
        Assert.Equal(subscribe.Metrics.Received, subscribe.Metrics.Acknowledged);
        await subscribe.DisposeAsync();
        await broker.DisposeAsync();
    }
}
