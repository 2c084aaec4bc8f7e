using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Daemon.Pump;
using Sluice.Tests.Servers;

namespace Sluice.Flows.Tests;

/// <summary>
/// post -> sender for each scheme a sender pushes with: file, ftp to a real vsftpd, and http to a pump's own data
/// server (watch -> sender, with renames and removals).
/// </summary>
[Collection("Mosquitto")]
public class SenderSchemeTests(MosquittoServer mosquitto, VsftpdFixture vsftpd) : IClassFixture<VsftpdFixture>
{
    [Fact]
    public async Task A_tree_is_sent_with_the_file_scheme_and_arrives_identical()
    {
        using var work = new TempDirectory();
        var remote = work.File("remote");
        Directory.CreateDirectory(remote);
        await SendTreeAsync(work, new SendOptions { SendTo = "file://" + remote, Directory = "sent", Mirror = true });
        Assert.Equal(Pump.Checksums(work.File("source")), Pump.Checksums(Path.Combine(remote, "sent")));
        Assert.Empty(Directory.EnumerateFiles(remote, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_tree_is_sent_over_ftp_with_a_dot_inflight_prefix_and_arrives_identical()
    {
        using var work = new TempDirectory();
        var directory = "sent_" + Guid.NewGuid().ToString("N")[..8];
        await SendTreeAsync(work, new SendOptions { SendTo = vsftpd.Url(vsftpd.PlainPort), Directory = directory, Mirror = true, Inflight = "." });
        var arrived = Path.Combine(vsftpd.Home, directory);
        Assert.Equal(Pump.Checksums(work.File("source")), Pump.Checksums(arrived));
        Assert.Empty(Directory.EnumerateFiles(arrived, ".*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_watched_tree_is_sent_over_http_to_a_pumps_data_server_with_renames_and_removals_and_arrives_identical()
    {
        using var work = new TempDirectory();
        var source = work.File("source");
        var watched = Path.Combine(source, "watched");
        Directory.CreateDirectory(watched);
        var served = work.File("served");
        // The pump as a pump/*.conf makes it: its feeder may write to the data server, its subscriber only read.
        var brokerPort = Ports.Free();
        var httpPort = Ports.Free();
        var paths = new SluicePaths(work.File("config"), work.File("state"));
        Directory.CreateDirectory(paths.ConfigDirectory);
        await File.WriteAllTextAsync(paths.CredentialsFile, $"mqtt://tfeed:pw-feed@127.0.0.1:{brokerPort}\nmqtt://bob:pw-bob@127.0.0.1:{brokerPort}\nhttp://tfeed:pw-feed@127.0.0.1:{httpPort}\n");
        File.SetUnixFileMode(paths.CredentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var conf = $"broker mqtt://127.0.0.1:{brokerPort}\ndataServer http://127.0.0.1:{httpPort}\nbaseDir {served}\ndeclare feeder tfeed\ndeclare subscriber bob\n";
        var readOnly = Assert.Throws<ConfigException>(() => PumpConfiguration.ToOptions(ConfigLoader.LoadText("pump", "p", "dataServer http://127.0.0.1:1\nbaseDir /x\ndataServerWrite on\n"), paths, CredentialStore.Load(paths.CredentialsFile)));
        Assert.Contains("dataServerWrite", readOnly.Message, StringComparison.Ordinal);
        var pumpOptions = PumpConfiguration.ToOptions(ConfigLoader.LoadText("pump", "p", conf + "dataServerWrite on\n"), paths, CredentialStore.Load(paths.CredentialsFile));
        Assert.True(pumpOptions.DataServerWrite);
        await using var pump = new EmbeddedPump(pumpOptions, NullLogger.Instance);
        await pump.StartAsync(CancellationToken.None);
        var id = Guid.NewGuid().ToString("N")[..8];
        var exchange = "xhttp" + id;
        var sender = await FlowBuilder.BuildAsync(
            Pump.Settings("sender", mosquitto.Url, exchange, "q_http_" + id, 0, work.File("state/sender")) with
            {
                Send = new SendOptions
                {
                    SendTo = $"http://tfeed@127.0.0.1:{httpPort}/",
                    Directory = "incoming",
                    Mirror = true,
                    ServerOptions = url => new TransferOptions { Url = CredentialStore.Load(paths.CredentialsFile).Complete(url) }, // as credentials.conf completes sendTo
                },
            },
            Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        await using var watch = new WatchInput(new WatchOptions
        {
            Paths = [watched],
            Announce = new AnnounceOptions { PostBaseUrl = "file:" + source + "/", PostBaseDir = source, Source = "tsource", FromCluster = "localhost" },
            Sleep = TimeSpan.FromMilliseconds(50),
        }, NullLogger.Instance);
        var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(mosquitto.Url), NullLogger.Instance);
        await using var output = new BrokerOutput(await broker.CreatePublisherAsync(CancellationToken.None), V03Format.Instance, [exchange], ["v03"]);
        await using var watchFlow = new Flow(new FlowOptions { Name = "watch/http", ReceiveWait = TimeSpan.FromMilliseconds(50) }, watch, null, output, NullLogger.Instance);

        using var stop = new CancellationTokenSource(Patience.Stream);
        var running = Task.WhenAll(watchFlow.RunAsync(stop.Token), sender.RunAsync(stop.Token));
        var onServer = Path.Combine(served, "incoming", "watched");

        async Task UntilIdentical(string what)
        {
            while (true)
            {
                var want = Pump.Checksums(watched);
                var got = Pump.ChecksumsWhileChanging(onServer) ?? [];
                if (want.Count == got.Count && want.All(w => got.TryGetValue(w.Key, out var sum) && sum == w.Value) &&
                    sender.Metrics.Received == watchFlow.Metrics.Posted && sender.Metrics.WorkOk == sender.Metrics.Received)
                {
                    return;
                }

                Assert.False(stop.IsCancellationRequested, $"timed out waiting for {what}: watch posted {watchFlow.Metrics.Posted}, sender received {sender.Metrics.Received} sent {sender.Metrics.WorkOk} rejected {sender.Metrics.Rejected}; {got.Count} of {want.Count} files on the server");
                await Task.Delay(100);
            }
        }

        await Task.Delay(300); // the watch settles on the empty tree before the burst
        var files = Pump.MakeTree(watched, 2, 2, 9, seed: 7);
        await UntilIdentical("the tree");

        var dirs = Directory.GetDirectories(watched, "sub *", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        foreach (var dir in dirs)
        {
            File.Move(Path.Combine(dir, "file001.bin"), Path.Combine(dir, "renamed001.bin"));
            File.Delete(Path.Combine(dir, "file002.bin"));
        }

        await UntilIdentical("the renames and removals");
        await stop.CancelAsync();
        await running;

        Assert.Equal(files - dirs.Count, Pump.Checksums(onServer).Count);
        Assert.All(dirs, dir =>
        {
            var there = Path.Combine(onServer, Path.GetRelativePath(watched, dir));
            Assert.False(File.Exists(Path.Combine(there, "file001.bin")));
            Assert.False(File.Exists(Path.Combine(there, "file002.bin")));
            Assert.True(File.Exists(Path.Combine(there, "renamed001.bin")));
        });
        Assert.Equal(0, sender.Metrics.Rejected + sender.Metrics.RetryQueued);
        // Written under the inflight name (.tmp) then moved, by way of the server's temporary .part files: none is left.
        Assert.Empty(Directory.EnumerateFiles(served, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(served, "*.part", SearchOption.AllDirectories));
        await sender.DisposeAsync();
        await broker.DisposeAsync();
    }

    [Fact]
    public async Task An_unknown_sendTo_scheme_stops_the_flow_at_start_with_a_clear_error()
    {
        using var work = new TempDirectory();
        var ex = await Assert.ThrowsAsync<TransferException>(() => FlowBuilder.BuildAsync(
            Pump.Settings("sender", mosquitto.Url, "xs_none", "q_none", 1, work.File("state")) with { Send = new SendOptions { SendTo = "gopher://127.0.0.1:7/" } },
            Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None));
        Assert.Contains("gopher", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Posts a tree of local files (file: baseUrl) and runs a sender on them until every message is handled.</summary>
    private async Task SendTreeAsync(TempDirectory work, SendOptions send)
    {
        var source = work.File("source");
        var files = Pump.MakeTree(source, 2, 3, 10, seed: 5);
        var messages = files + 2 + 6;
        var exchange = "xsend" + Guid.NewGuid().ToString("N")[..6];
        var sender = await FlowBuilder.BuildAsync(
            Pump.Settings("sender", mosquitto.Url, exchange, "q_send_" + exchange, messages, work.File("state")) with { Send = send },
            Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        await using (sender)
        {
            using var timeout = new CancellationTokenSource(Patience.Stream);
            var sending = sender.RunAsync(timeout.Token);
            Assert.Equal(messages, await Pump.PostAsync(mosquitto.Url, exchange, source, "file:" + source + "/"));
            await sending;
            Assert.False(timeout.IsCancellationRequested, "timed out");
            Assert.Equal(messages, sender.Metrics.WorkOk);
            Assert.Equal(0, sender.Metrics.Rejected + sender.Metrics.RetryQueued);
        }
    }
}
