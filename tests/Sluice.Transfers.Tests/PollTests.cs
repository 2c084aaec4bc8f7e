using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Brokers;
using Sluice.Core.Config;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Daemon;
using Sluice.Daemon.DataServer;
using Sluice.Tests.Servers;

namespace Sluice.Transfers.Tests;

/// <summary>
/// poll configured as sr3 configures it, over a real sshd and the pump's data server, posting to the embedded broker:
/// a tree that changes between polls is announced file by file once, unchanged files are not announced again, a
/// restarted poll announces nothing, and a subscribe fed by the announcements ends with an identical tree.
/// </summary>
[Collection(ServerCollections.Sshd.Name)]
public sealed class PollTests(SshdFixture sshd)
{
    [Fact]
    public async Task A_tree_changing_under_an_sftp_poll_is_announced_once_per_change_and_subscribed_identical()
    {
        var source = Path.Combine(sshd.Home, "poll-" + Guid.NewGuid().ToString("N")[..6]);
        await RunAsync(sshd.Url, Path.GetFileName(source), source, $"{sshd.Url.TrimEnd('/')} ssh_keyfile={sshd.ClientKey}\n", TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_tree_changing_under_an_http_poll_of_the_data_server_is_announced_once_per_change_and_subscribed_identical()
    {
        var root = TestEnvironment.TempDirectory("poll-www");
        await using var server = new DataServer(new DataServerOptions { Root = root, BindAddress = IPAddress.Loopback, Port = 0 });
        await server.StartAsync(CancellationToken.None);
        try
        {
            // The index page gives minutes: the listed mtime is the file's, cut to the minute.
            await RunAsync($"http://127.0.0.1:{server.Port}/", "src", Path.Combine(root, "src"), string.Empty, TimeSpan.FromMinutes(1));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    internal static async Task RunAsync(string pollUrl, string path, string source, string credentials, TimeSpan mtimeResolution, bool download = true)
    {
        var work = TestEnvironment.TempDirectory("poll");
        var port = Ports.Free();
        await using var broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = port, Users = [new("feeder", "secret", "feeder")] }, NullLogger.Instance);
        await broker.StartAsync();
        var brokerUrl = broker.Url("feeder", "secret");
        var exchange = "xs_poll" + Guid.NewGuid().ToString("N")[..6];
        var destination = Path.Combine(work, "destination");
        var staging = Path.Combine(Path.GetDirectoryName(source)!, "staging-" + Guid.NewGuid().ToString("N")[..6]);
        var paths = new SluicePaths(Path.Combine(work, "config"), Path.Combine(work, "state"));
        Directory.CreateDirectory(Path.Combine(paths.ConfigDirectory, "poll"));
        Directory.CreateDirectory(Path.Combine(paths.ConfigDirectory, "subscribe"));
        await File.WriteAllTextAsync(paths.CredentialsFile, credentials);
        File.SetUnixFileMode(paths.CredentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(Path.Combine(paths.ConfigDirectory, "poll", "tree.conf"), $"""
            post_broker {brokerUrl}
            post_exchange {exchange}
            pollUrl {pollUrl}
            path {path}
            sleep 1
            reject .*\.skip$
            """);
        await File.WriteAllTextAsync(Path.Combine(paths.ConfigDirectory, "subscribe", "tree.conf"), $"""
            broker {brokerUrl}
            exchange {exchange}
            subtopic #
            directory {destination}
            mirror on
            accept .*
            """);

        // The first tree: files in three levels, and one the poll's reject mask keeps out.
        Directory.CreateDirectory(staging);
        var files = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var rel = (i % 3) switch { 0 => $"f{i}.txt", 1 => $"sub/f{i}.bin", _ => $"sub/deeper/f{i}.dat" };
            Write(staging, source, rel, 100 + (i * 37), i);
            files.Add(rel);
        }

        Write(staging, source, "sub/not-this.skip", 10, 99);

        using var stop = new CancellationTokenSource(Patience.Operation * 6);
        await using var checkBroker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(brokerUrl), NullLogger.Instance);
        await using var watcher = new BrokerInput(
            await checkBroker.SubscribeAsync(new SubscriptionOptions { Bindings = [new Binding(exchange, ["v03"], "#")], QueueName = "q_feeder.poll.check." + Guid.NewGuid().ToString("N")[..6] }, stop.Token),
            NullLogger.Instance);
        var catalog = new ConfigCatalog(paths, NullLogger.Instance, logToFiles: false);
        var store = CredentialStore.Load(paths.CredentialsFile);
        var subscribeDefinition = catalog.Define("subscribe", "tree", store);
        Assert.Null(subscribeDefinition.Error);
        await using var subscribe = await subscribeDefinition.Create!(1, stop.Token);
        using var stopSubscribe = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var subscribing = download ? subscribe.RunAsync(stopSubscribe.Token) : Task.CompletedTask;

        var pollDefinition = catalog.Define("poll", "tree", store);
        Assert.Null(pollDefinition.Error);
        var poll = await pollDefinition.Create!(1, stop.Token);
        using var stopPoll = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var polling = poll.RunAsync(stopPoll.Token);

        var seen = new List<NotificationMessage>();
        await ReceiveAsync(watcher, seen, 12 + 2, stop.Token);
        var first = seen.Where(m => m.FileOp is null).OrderBy(m => m.RelPath, StringComparer.Ordinal).ToList();
        Assert.Equal(files.Select(f => path + "/" + f).Order(StringComparer.Ordinal), first.Select(m => m.RelPath));
        foreach (var m in first)
        {
            var local = new FileInfo(Path.Combine(source, m.RelPath[(path.Length + 1)..]));
            Assert.Equal(pollUrl, m.BaseUrl);
            Assert.Equal(local.Length, m.Size);
            var mtime = new DateTimeOffset(local.LastWriteTimeUtc.Ticks - (local.LastWriteTimeUtc.Ticks % mtimeResolution.Ticks), TimeSpan.Zero);
            Assert.Equal(SrTime.Format(mtime), m.Mtime);
            Assert.Equal(new Identity("cod", "sha512"), m.Identity);
            Assert.Equal("feeder", m.Source);
            Assert.True(SrTime.TryParse(m.PubTime, out var pubTime) && DateTimeOffset.UtcNow - pubTime < TimeSpan.FromMinutes(5), m.PubTime);
            Assert.Null(m.Atime);
        }

        Assert.Equal([path + "/sub", path + "/sub/deeper"], seen.Where(m => m.FileOp is { IsDirectory: true }).Select(m => m.RelPath).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(seen, m => m.RelPath.EndsWith(".skip", StringComparison.Ordinal));

        // The subscriber has the first tree before it changes (so no download races a replacement).
        var downloaded = Path.Combine(destination, path);
        await WaitAsync(() => !download || (Directory.Exists(downloaded) && Tree(downloaded).SequenceEqual(Tree(source, skip: ".skip"))), stop.Token);

        // Between polls: three files appear (one in a new directory) and two change; the rest stay as they were.
        Write(staging, source, "g1.txt", 500, 101);
        Write(staging, source, "sub/g2.bin", 600, 102);
        Write(staging, source, "new/g3.dat", 700, 103);
        Write(staging, source, "f0.txt", 900, 104);
        Write(staging, source, "sub/deeper/f2.dat", 1000, 105);
        await ReceiveAsync(watcher, seen, 14 + 3 + 1 + 2, stop.Token);
        var second = seen.Skip(14).ToList();
        Assert.Equal(
            [path + "/f0.txt", path + "/g1.txt", path + "/new", path + "/new/g3.dat", path + "/sub/deeper/f2.dat", path + "/sub/g2.bin"],
            second.Select(m => m.RelPath).Order(StringComparer.Ordinal));
        Assert.Equal(900, second.Single(m => m.RelPath == path + "/f0.txt").Size);

        // More polls of the unchanged tree announce nothing more.
        var received = poll.Metrics.Received;
        await WaitAsync(() => poll.Metrics.Received >= received + (2 * 19), stop.Token);
        Assert.Empty(await watcher.ReceiveAsync(100, TimeSpan.FromSeconds(1), stop.Token));
        Assert.Equal(20, poll.Metrics.Posted);

        // A restarted poll remembers what it announced (its nodupe journal) and announces nothing again.
        await stopPoll.CancelAsync();
        await polling;
        await poll.DisposeAsync();
        var again = await catalog.Define("poll", "tree", store).Create!(1, stop.Token);
        await using (again)
        {
            using var stopAgain = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var pollingAgain = again.RunAsync(stopAgain.Token);
            await WaitAsync(() => again.Metrics.Received >= 2 * 19, stop.Token);
            Assert.Empty(await watcher.ReceiveAsync(100, TimeSpan.FromSeconds(1), stop.Token));
            Assert.Equal(0, again.Metrics.Posted);
            Assert.Equal(again.Metrics.Received, again.Metrics.Rejected);
            await stopAgain.CancelAsync();
            await pollingAgain;
        }

        if (download)
        {
            // The subscriber downloaded every announcement: its tree is the source's.
            var expected = Tree(source, skip: ".skip");
            await WaitAsync(() => Directory.Exists(downloaded) && Tree(downloaded).SequenceEqual(expected), stop.Token);
            await stopSubscribe.CancelAsync();
            await subscribing;
            Assert.Equal(expected, Tree(downloaded));
            Assert.True(subscribe.Metrics.WorkOk >= 17, $"{subscribe.Metrics.WorkOk} downloads");
            Assert.Equal(0, subscribe.Metrics.WorkFailed);
        }

        Directory.Delete(work, recursive: true);
        Directory.Delete(source, recursive: true);
        Directory.Delete(staging, recursive: true);
    }

    private static List<KeyValuePair<string, string>> Tree(string root, string? skip = null) =>
        [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => skip is null || !f.EndsWith(skip, StringComparison.Ordinal))
            .Select(f => KeyValuePair.Create(Path.GetRelativePath(root, f), TestEnvironment.Sha512Of(f)))
            .OrderBy(e => e.Key, StringComparer.Ordinal)];

    /// <summary>Writes a file outside the tree and moves it in, so a poll never lists it half-written.</summary>
    private static void Write(string staging, string source, string rel, int size, int seed)
    {
        var temp = Path.Combine(staging, Guid.NewGuid().ToString("N"));
        TestEnvironment.WriteRandomFile(temp, size, seed);
        var target = Path.Combine(source, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(temp, target, overwrite: true);
    }

    private static async Task ReceiveAsync(BrokerInput input, List<NotificationMessage> seen, int count, CancellationToken cancellationToken)
    {
        while (seen.Count < count)
        {
            var batch = await input.ReceiveAsync(100, TimeSpan.FromSeconds(1), cancellationToken);
            seen.AddRange(batch.Select(b => b.Message));
            await input.AcknowledgeAsync([.. batch.Where(b => b.AckToken is not null).Select(b => b.AckToken!)], cancellationToken);
        }

        Assert.Equal(count, seen.Count);
    }

    /// <summary>Waits for <paramref name="condition"/>; one that reads a tree a download is still changing (a file renamed from its inflight name meanwhile) is tried again.</summary>
    private static async Task WaitAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!Holds(condition))
        {
            await Task.Delay(100, cancellationToken);
        }

        static bool Holds(Func<bool> condition)
        {
            try
            {
                return condition();
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

}

/// <summary>
/// The same scenario over vsftpd (its unix LIST output parsed, times to the minute), checking the announcements;
/// downloads over ftp are covered by <see cref="FtpTransferTests"/>.
/// </summary>
[Collection(ServerCollections.Vsftpd.Name)]
public sealed class FtpPollTests(VsftpdFixture vsftpd)
{
    [Fact]
    public async Task A_tree_changing_under_an_ftp_poll_is_announced_once_per_change_and_subscribed_identical()
    {
        var source = Path.Combine(vsftpd.Home, "poll-" + Guid.NewGuid().ToString("N")[..6]);
        var url = $"ftp://{vsftpd.User}@127.0.0.1:{vsftpd.PlainPort}/";
        await PollTests.RunAsync(url, Path.GetFileName(source), source, $"ftp://{vsftpd.User}:{vsftpd.Password}@127.0.0.1:{vsftpd.PlainPort}/\n", TimeSpan.FromMinutes(1), download: false);
    }
}
