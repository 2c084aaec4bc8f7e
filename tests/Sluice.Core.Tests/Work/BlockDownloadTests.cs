using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Core.Work;
using Sluice.Daemon.DataServer;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests.Work;

/// <summary>
/// Partitioned files end to end: <c>sluice post --blockSize</c> of a 25 MiB file, one message per block through a real
/// Mosquitto, each block fetched over http from the Kestrel data server by a subscribe, the file assembled whole.
/// </summary>
[Collection("Mosquitto")]
public class BlockDownloadTests(MosquittoServer mosquitto)
{
    private const int FileSize = 25 << 20;
    private const int Blocks = 7; // 4 MiB blocks: six whole ones and 1 MiB

    private static (int Code, string Out, string Err) Run(params string[] args) => InProcessCli.Run(args);

    private sealed class Pump(TempDirectory dir, string brokerUrl, string exchange) : IAsyncDisposable
    {
        public string Served => dir.File("served");

        public string File => Path.Combine(Served, "samples", "big_25MiB.bin");

        public string Destination => dir.File("dst");

        public SluicePaths Paths { get; } = new(dir.File("config"), dir.File("state"));

        public DataServer? Server { get; private set; }

        public async Task StartAsync()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            var bytes = new byte[FileSize];
            new Random(25).NextBytes(bytes);
            await System.IO.File.WriteAllBytesAsync(File, bytes);
            Server = new DataServer(new DataServerOptions { Root = Served, Port = 0 });
            await Server.StartAsync(CancellationToken.None);
        }

        /// <summary>A subscribe of the exchange, from its configuration through the daemon's mapping, that stops after <paramref name="count"/> messages.</summary>
        public async Task<Flow> SubscribeAsync(long count)
        {
            var config = ConfigLoader.LoadText("subscribe", "blocks", $"broker {brokerUrl}\nexchange {exchange}\nsubtopic #\ndirectory {Destination}\nmirror on\nmessageCountMax {count}\nbatch 4\n");
            var settings = ConfigMapping.ToSettings(config, Paths, CredentialStore.Empty, 1);
            return await FlowBuilder.BuildAsync(settings with { Flow = settings.Flow with { ReceiveWait = TimeSpan.FromMilliseconds(100) } }, Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        }

        public async Task PublishAsync(IEnumerable<NotificationMessage> messages)
        {
            var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(brokerUrl), NullLogger.Instance);
            await using var _ = broker;
            await using var output = new BrokerOutput(await broker.CreatePublisherAsync(CancellationToken.None), V03Format.Instance, [exchange], V03Format.Instance.DefaultTopicPrefix);
            await output.PublishAsync([.. messages], CancellationToken.None);
        }

        public ValueTask DisposeAsync() => Server?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    private static async Task RunToEndAsync(Flow flow)
    {
        using var timeout = new CancellationTokenSource(Patience.Stream);
        await flow.RunAsync(timeout.Token);
        Assert.False(timeout.IsCancellationRequested, "the subscribe did not get all its messages in time");
    }

    private static string Sha512(string path) => Convert.ToHexString(SHA512.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task A_file_posted_in_blocks_arrives_whole_and_identical_over_http()
    {
        using var dir = new TempDirectory();
        var exchange = "xblk" + Guid.NewGuid().ToString("N")[..6];
        await using var pump = new Pump(dir, mosquitto.Url, exchange);
        await pump.StartAsync();
        File.SetUnixFileMode(pump.File, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.SetLastWriteTimeUtc(pump.File, new DateTime(2026, 11, 23, 18, 30, 54, 969, DateTimeKind.Utc));
        await using var flow = await pump.SubscribeAsync(Blocks);
        var running = flow.RunAsync(CancellationToken.None);

        var post = Run("post", "--post_broker", mosquitto.Url, "--post_exchange", exchange, "--post_baseUrl", pump.Server!.BaseUrl, "--post_baseDir", pump.Served, "--blockSize", "4Mi", pump.File);
        Assert.True(post.Code == 0, post.Out + post.Err);
        Assert.Contains($"{Blocks} message(s) posted", post.Err);
        using (var timeout = new CancellationTokenSource(Patience.Stream))
        {
            await running.WaitAsync(timeout.Token);
        }

        var arrived = Path.Combine(pump.Destination, "samples", "big_25MiB.bin");
        Assert.Equal(Sha512(pump.File), Sha512(arrived));
        Assert.Equal(1, flow.Metrics.WorkOk); // the block that completed the file; the others waited (307)
        Assert.Equal(Blocks - 1, flow.Metrics.Rejected);
        Assert.Equal(Blocks, flow.Metrics.Acknowledged);
        Assert.Equal(["big_25MiB.bin"], Directory.GetFiles(Path.GetDirectoryName(arrived)!).Select(Path.GetFileName));
        Assert.InRange(File.GetLastWriteTimeUtc(arrived) - File.GetLastWriteTimeUtc(pump.File), TimeSpan.FromMilliseconds(-1), TimeSpan.FromMilliseconds(1)); // timeCopy
        Assert.Equal(File.GetUnixFileMode(pump.File), File.GetUnixFileMode(arrived)); // permCopy
    }

    [Fact]
    public async Task Blocks_out_of_order_twice_and_across_a_restart_still_make_the_whole_file()
    {
        using var dir = new TempDirectory();
        var exchange = "xblk" + Guid.NewGuid().ToString("N")[..6];
        await using var pump = new Pump(dir, mosquitto.Url, exchange);
        await pump.StartAsync();

        var post = Run("post", "--post_baseUrl", pump.Server!.BaseUrl, "--post_baseDir", pump.Served, "--blockSize", "4Mi", pump.File);
        Assert.True(post.Code == 0, post.Err);
        var messages = post.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => V03Format.DecodeBody(Encoding.UTF8.GetBytes(l))).ToList();
        Assert.Equal(Enumerable.Range(0, Blocks).Select(n => (long)n), messages.Select(m => m.Blocks!.Number));
        Assert.All(messages, m => Assert.Equal(Blocks, m.Blocks!.Manifest!.Count));

        // First run: four blocks out of order, one of them twice, then the subscribe stops.
        await using (var first = await pump.SubscribeAsync(5))
        {
            var running = first.RunAsync(CancellationToken.None);
            await pump.PublishAsync([messages[6], messages[3], messages[3], messages[0], messages[5]]);
            await running.WaitAsync(Patience.Stream);
            Assert.Equal(0, first.Metrics.WorkOk);
            Assert.Equal(5, first.Metrics.Acknowledged);
        }

        var arrived = Path.Combine(pump.Destination, "samples", "big_25MiB.bin");
        Assert.False(File.Exists(arrived));
        Assert.True(File.Exists(arrived + ".tmp"));
        var state = Directory.GetFiles(Path.Combine(pump.Paths.FlowState("subscribe", "blocks"), "blocks"), "*.blocks");
        Assert.Contains("partial", File.ReadAllText(Assert.Single(state)));

        // A new subscribe (nothing in memory from the first) gets the rest, and block 0 again.
        await using (var second = await pump.SubscribeAsync(4))
        {
            var running = second.RunAsync(CancellationToken.None);
            await pump.PublishAsync([messages[2], messages[0], messages[4], messages[1]]);
            await running.WaitAsync(Patience.Stream);
            Assert.Equal(1, second.Metrics.WorkOk);
        }

        Assert.Equal(Sha512(pump.File), Sha512(arrived));
        Assert.False(File.Exists(arrived + ".tmp"));
        Assert.Contains("complete", File.ReadAllText(Assert.Single(state)));
    }

    [Fact]
    public async Task After_kill_9_of_the_daemon_in_the_middle_of_a_partitioned_file_a_start_finishes_it()
    {
        using var dir = new TempDirectory();
        var exchange = "xblk" + Guid.NewGuid().ToString("N")[..6];
        await using var pump = new Pump(dir, mosquitto.Url, exchange);
        await pump.StartAsync();
        var config = dir.File("config");
        var state = dir.File("state");
        Directory.CreateDirectory(Path.Combine(config, "subscribe"));
        // byteRateMax from the configuration slows the daemon so the kill lands while blocks are still coming.
        File.WriteAllText(Path.Combine(config, "subscribe", "blk.conf"), $"broker {mosquitto.Url}\nexchange {exchange}\nsubtopic #\ndirectory {pump.Destination}\nmirror on\nbatch 1\nbyteRateMax 6M\n");
        var arrived = Path.Combine(pump.Destination, "samples", "big_25MiB.bin");
        var blocks = Path.Combine(state, "subscribe", "blk", "blocks");
        int Received() => Directory.Exists(blocks) ? Directory.GetFiles(blocks, "*.blocks").Sum(f => File.ReadAllLines(f).Length - 5) : 0;
        try
        {
            Assert.Equal(0, CliFlowTests.Process(config, state, "start").Code);
            var post = Run("post", "--post_broker", mosquitto.Url, "--post_exchange", exchange, "--post_baseUrl", pump.Server!.BaseUrl, "--post_baseDir", pump.Served, "--blockSize", "2Mi", pump.File);
            Assert.True(post.Code == 0, post.Err);

            var deadline = DateTime.UtcNow + Patience.Delivery;
            while (DateTime.UtcNow < deadline && Received() < 2)
            {
                await Task.Delay(20);
            }

            var pid = int.Parse(File.ReadAllText(Path.Combine(state, "sluice.pid")), System.Globalization.CultureInfo.InvariantCulture);
            using (var daemon = System.Diagnostics.Process.GetProcessById(pid))
            {
                daemon.Kill();
                await daemon.WaitForExitAsync(new CancellationTokenSource(Patience.Delivery).Token);
            }

            Assert.False(File.Exists(arrived), "the kill came too late to prove anything");
            var before = Received();
            Assert.InRange(before, 2, 12);

            Assert.Equal(0, CliFlowTests.Process(config, state, "start").Code);
            deadline = DateTime.UtcNow + Patience.Stream;
            while (DateTime.UtcNow < deadline && !File.Exists(arrived))
            {
                await Task.Delay(100);
            }

            Assert.True(File.Exists(arrived), $"the file was never assembled ({Received()} of 13 blocks recorded)");
            Assert.Equal(Sha512(pump.File), Sha512(arrived));
            Assert.False(File.Exists(arrived + ".tmp"));
        }
        finally
        {
            CliFlowTests.Process(config, state, "stop");
        }
    }

    [Fact]
    public void The_blocks_of_sr3s_own_messages_are_placed_where_sr3_cut_them()
    {
        var plans = Enumerable.Range(0, 3).Select(n =>
        {
            var wire = JsonNode.Parse(Fixtures.Read($"amqp_v03/post_blocks_25MiB_block{n}.json"))!;
            var message = V03Format.DecodeBody(Encoding.UTF8.GetBytes((string)wire["body"]!));
            return BlockAssembly.Plan(message.Blocks!, message.Size)!.Value;
        }).ToList();

        Assert.All(plans, p => Assert.Equal(25L << 20, p.FileSize));
        Assert.Equal([(0L, 10L << 20), (10L << 20, 10L << 20), (20L << 20, 5L << 20)], plans.Select(p => (p.Offset, p.Length)));
    }
}
