using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Tests.Servers;

namespace Sluice.Flows.Tests;

/// <summary>
/// watch -> sender -> subscribe: a watched tree of 1,000+ files is sent over sftp to a real sshd, announced there
/// (post_broker, post_baseUrl), and downloaded from the sshd by a subscriber. Links, renames and removals made in
/// the watched tree are replayed on the server and at the destination. Trees, counts and queues must all agree.
/// </summary>
[Collection("RabbitMQ")]
public class SenderFlowTests(RabbitMqServer rabbit, SshdFixture sshd) : IClassFixture<SshdFixture>
{
    [Fact]
    public async Task A_watched_tree_is_sent_over_sftp_announced_there_and_downloaded_identical_with_links_renames_and_removals()
    {
        using var work = new TempDirectory();
        var source = work.File("source");
        var watched = Path.Combine(source, "watched");
        var destination = work.File("destination");
        Directory.CreateDirectory(watched);
        var id = Guid.NewGuid().ToString("N")[..8];
        await using (var admin = StaticFlowTests.BrokerAdmin(rabbit.Url))
        {
            await admin.DeclareExchangeAsync($"xs_{id}", durable: false, CancellationToken.None);
            await admin.DeclareExchangeAsync($"xpublic_{id}", durable: false, CancellationToken.None);
        }

        var remoteRoot = Path.Combine(sshd.Home, "sent_" + id);
        TransferOptions Server(string url) => new() { Url = url, SshKeyFile = sshd.ClientKey };
        var sender = await FlowBuilder.BuildAsync(
            Pump.Settings("sender", rabbit.Url, $"xs_{id}", $"q_guest.sender.{id}", 0, work.File("state/sender"), postExchange: $"xpublic_{id}") with
            {
                Send = new SendOptions { SendTo = sshd.Url, Directory = remoteRoot, Mirror = true, PostBaseUrl = sshd.Url, PostBaseDir = sshd.Home, ServerOptions = Server },
            },
            Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        var subscribe = await FlowBuilder.BuildAsync(
            Pump.Settings("subscribe", rabbit.Url, $"xpublic_{id}", $"q_guest.subscribe.{id}", 0, work.File("state/subscribe"), new DownloadOptions { Directory = destination, Mirror = true, ServerOptions = Server }),
            Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        await using var watch = new WatchInput(new WatchOptions
        {
            Paths = [watched],
            Announce = new AnnounceOptions { PostBaseUrl = "file:" + source + "/", PostBaseDir = source, Source = "tsource", FromCluster = "localhost" },
            Sleep = TimeSpan.FromMilliseconds(50),
        }, NullLogger.Instance);
        var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(rabbit.Url), NullLogger.Instance);
        await using var output = new BrokerOutput(await broker.CreatePublisherAsync(CancellationToken.None), V03Format.Instance, [$"xs_{id}"], ["v03"]);
        await using var watchFlow = new Flow(new FlowOptions { Name = "watch/send", ReceiveWait = TimeSpan.FromMilliseconds(50) }, watch, null, output, NullLogger.Instance);

        using var stop = new CancellationTokenSource(Patience.Stream);
        var running = Task.WhenAll(watchFlow.RunAsync(stop.Token), sender.RunAsync(stop.Token), subscribe.RunAsync(stop.Token));
        var arrived = Path.Combine(destination, "sent_" + id, "watched");
        var onServer = Path.Combine(remoteRoot, "watched");

        async Task UntilIdentical(string what)
        {
            while (true)
            {
                var want = Pump.Checksums(watched);
                if (Same(want, Pump.ChecksumsWhileChanging(arrived)) && Same(want, Pump.ChecksumsWhileChanging(onServer)) &&
                    sender.Metrics.Received == watchFlow.Metrics.Posted && subscribe.Metrics.Received == sender.Metrics.Posted)
                {
                    return;
                }

                Assert.False(stop.IsCancellationRequested, $"timed out waiting for {what}: {want.Count} files in the watched tree, watch produced {watchFlow.Metrics.Received} posted {watchFlow.Metrics.Posted} in flight {watchFlow.Metrics.InFlight} (pending {watch.PendingCount}, failed {watchFlow.Metrics.WorkFailed}), sender received {sender.Metrics.Received} sent {sender.Metrics.WorkOk} posted {sender.Metrics.Posted} retrying {sender.Metrics.RetryQueued}, subscribe received {subscribe.Metrics.Received} ok {subscribe.Metrics.WorkOk} retrying {subscribe.Metrics.RetryQueued}; running: {(running.IsCompleted ? running.Exception?.GetBaseException().Message ?? "ended" : "yes")}");
                await Task.Delay(200);
            }
        }

        // Let the watch settle on the empty tree before the burst.
        await Task.Delay(300);
        var files = Pump.MakeTree(watched, 5, 4, 52, seed: 11);
        Assert.True(files >= 1000);
        await UntilIdentical("the tree");

        // Links (relative, as a source tree has them) and renames.
        var dirs = Directory.GetDirectories(watched, "sub *", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        foreach (var dir in dirs)
        {
            File.CreateSymbolicLink(Path.Combine(dir, "link_to_first"), "file000.bin");
            File.Move(Path.Combine(dir, "file001.bin"), Path.Combine(dir, "renamed001.bin"));
        }

        Directory.CreateDirectory(Path.Combine(watched, "empty"));
        await UntilIdentical("the links and renames");
        foreach (var dir in dirs)
        {
            Assert.Equal("file000.bin", new FileInfo(Path.Combine(arrived, Path.GetRelativePath(watched, dir), "link_to_first")).LinkTarget);
            Assert.False(File.Exists(Path.Combine(onServer, Path.GetRelativePath(watched, dir), "file001.bin")));
            Assert.False(File.Exists(Path.Combine(arrived, Path.GetRelativePath(watched, dir), "file001.bin")));
        }

        Assert.True(Directory.Exists(Path.Combine(arrived, "empty")));

        // Removals: files and the empty directory.
        foreach (var dir in dirs)
        {
            File.Delete(Path.Combine(dir, "file002.bin"));
        }

        Directory.Delete(Path.Combine(watched, "empty"));
        await UntilIdentical("the removals");
        Assert.False(Directory.Exists(Path.Combine(arrived, "empty")));
        Assert.False(Directory.Exists(Path.Combine(onServer, "empty")));

        await Task.Delay(500); // anything extra would show up now
        await stop.CancelAsync();
        await running;

        // Sent = announced = downloaded, nothing refused or left over, no inflight file left on the server.
        Assert.Equal(watchFlow.Metrics.Posted, sender.Metrics.Received);
        Assert.Equal(sender.Metrics.Received, sender.Metrics.WorkOk);
        Assert.Equal(sender.Metrics.WorkOk, sender.Metrics.Posted);
        Assert.Equal(sender.Metrics.Posted, subscribe.Metrics.Received);
        Assert.Equal(subscribe.Metrics.Received, subscribe.Metrics.WorkOk);
        Assert.Equal(0, sender.Metrics.Rejected + subscribe.Metrics.Rejected);
        Assert.Equal(0, sender.Metrics.RetryQueued + subscribe.Metrics.RetryQueued);
        Assert.Equal(sender.Metrics.Received, sender.Metrics.Acknowledged);
        Assert.Equal(subscribe.Metrics.Received, subscribe.Metrics.Acknowledged);
        Assert.Empty(Directory.EnumerateFiles(remoteRoot, "*.tmp", SearchOption.AllDirectories));
        var queues = await rabbit.RunCtlAsync("list_queues", "name", "messages_ready", "messages_unacknowledged");
        var ours = queues.Split('\n').Where(l => l.Contains(id, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, ours.Count);
        Assert.All(ours, line => Assert.EndsWith("\t0\t0", line.TrimEnd()));

        await sender.DisposeAsync();
        await subscribe.DisposeAsync();
        await broker.DisposeAsync();
    }

    private static bool Same(Dictionary<string, string> want, Dictionary<string, string>? got) =>
        got is not null && want.Count == got.Count && want.All(kv => got.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
