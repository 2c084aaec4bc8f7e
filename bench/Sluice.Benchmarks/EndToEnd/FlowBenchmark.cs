using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Sluice.Benchmarks.Transfers;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Core.Work;

namespace Sluice.Benchmarks.EndToEnd;

/// <summary>
/// `flows &lt;amqp-url&gt; [posts=10000] [small=2000] [large=20] [latency=500] [runs=3]`: post, subscribe and
/// post-to-arrival latency through the real flows, each beside its raw limit in the same run, runs interleaved
/// (Sluice, limit, Sluice, ...). Files are served by nginx in a process of its own (the data server when nginx is
/// missing); the broker is the RabbitMQ at the URL (bench/rabbitmq.sh starts a throw-away one).
/// </summary>
internal static class FlowBenchmark
{
    private const int Parallel = 4; // a flow's concurrent work (FlowOptions.Concurrency's default)

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: flows <amqp-url> [posts=10000] [small=2000] [large=20] [latency=500] [runs=3]");
            return 2;
        }

        var url = args[0];
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var (posts, small, large, latency, runs) = (Arg(1, 10_000), Arg(2, 2000), Arg(3, 20), Arg(4, 500), Arg(5, 3));
        var root = Path.Combine(Path.GetTempPath(), "sluice-flows-" + Guid.NewGuid().ToString("N")[..8]);
        var www = Path.Combine(root, "www");
        Directory.CreateDirectory(www);
        var factory = new ConnectionFactory { Uri = new Uri(url) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var admin = await connection.CreateChannelAsync();
        foreach (var exchange in new[] { "xbench_post", "xbench_sub", "xbench_lat" })
        {
            await admin.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: false);
        }

        try
        {
            await using var servers = await HttpServers.StartAsync(root, www, nginx: true, dataServer: !File.Exists("/usr/sbin/nginx"));
            var (serverName, baseUrl) = servers.Servers[0];
            Console.WriteLine($"flows on {BrokerUrl.Redact(url)}, files served by {serverName}; medians of {runs} interleaved runs; peak RSS is the benchmark process's (VmHWM, reset before each Sluice run)");
            Console.WriteLine("| workload | what | seconds | rate | of the limit | Sluice peak RSS MiB |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|");
            // A count of 0 leaves that workload out.
            if (posts > 0)
            {
                await PostAsync(connection, url, www, posts, runs);
            }

            if (small > 0)
            {
                await SubscribeAsync(connection, url, www, baseUrl, "small", small, 4096, runs);
            }

            if (large > 0)
            {
                await SubscribeAsync(connection, url, www, baseUrl, "large", large, 50L * 1048576, runs);
                await SubscribeAsync(connection, url, www, baseUrl, "large", large, 50L * 1048576, runs, checksum: false);
            }

            if (latency > 0)
            {
                await LatencyAsync(connection, url, www, baseUrl, latency);
            }
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>sluice post of a tree (a post configuration built by FlowBuilder, as `sluice post -c` builds it) beside sha512sum of the files plus a bare confirmed publish of as many messages.</summary>
    private static async Task PostAsync(IConnection connection, string url, string www, int count, int runs)
    {
        var tree = Path.Combine(www, "post");
        var files = Enumerable.Range(0, count).Select(i => $"d{i / 100:D3}/f{i:D5}.txt").ToList();
        TransferBenchmark.WriteFiles(tree, files, 1024);
        var queue = await BoundQueueAsync(connection, "q_bench_post", "xbench_post");
        await using var admin = await connection.CreateChannelAsync();
        var ours = new List<double>();
        var theirs = new List<double>();
        var hashing = new List<double>();
        long posted = 0;
        long peak = 0;
        for (var r = 0; r < runs; r++)
        {
            ResetPeak();
            // Built from a configuration by the flow builder, as `sluice post -c` builds it.
            var config = ConfigLoader.LoadText("post", "bench", $"post_broker {url}\npost_exchange xbench_post\npost_baseUrl http://127.0.0.1:1/\npost_baseDir {www}\nsource bench\ncluster localhost\n");
            var state = Directory.CreateTempSubdirectory("sluice-bench-post-").FullName;
            var paths = new SluicePaths(Path.Combine(state, "config"), Path.Combine(state, "state"));
            var adapters = Sluice.Daemon.Adapters.Create();
            var settings = ConfigMapping.ToSettings(config, paths, CredentialStore.Empty, 1, postPaths: [tree], adapters: adapters);
            await using (var flow = await FlowBuilder.BuildAsync(settings, adapters, NullLogger.Instance, null, CancellationToken.None))
            {
                var watch = Stopwatch.StartNew();
                await flow.RunAsync(CancellationToken.None);
                ours.Add(watch.Elapsed.TotalSeconds);
                posted = flow.Metrics.Posted;
            }

            Directory.Delete(state, recursive: true);
            peak = Math.Max(peak, PeakMiB());
            var queued = (await admin.QueueDeclarePassiveAsync(queue)).MessageCount;
            await admin.QueuePurgeAsync(queue);

            var hash = Stopwatch.StartNew();
            TransferBenchmark.Run("bash", "-c", $"cd '{tree}' && find . -type f -print0 | xargs -0 sha512sum > /dev/null");
            hash.Stop();
            var publish = await BarePublishAsync(connection, "xbench_post", (int)posted);
            hashing.Add(hash.Elapsed.TotalSeconds);
            theirs.Add(hash.Elapsed.TotalSeconds + publish.TotalSeconds);
            await admin.QueuePurgeAsync(queue);
            Console.Error.WriteLine($"post: sluice {ours[^1]:0.000} s ({posted} posted, {queued} queued), sha512sum {hash.Elapsed.TotalSeconds:0.000} s + bare publish {publish.TotalSeconds:0.000} s");
        }

        var s = TransferBenchmark.Median(ours);
        var l = TransferBenchmark.Median(theirs);
        Console.WriteLine($"| post {count} x 1 KiB + {count / 100 + 1} dirs, sha512 | limit: sha512sum of the files ({TransferBenchmark.Median(hashing):0.00} s) + bare confirmed publish of {posted} | {l:0.00} | {posted / l:0} msg/s | | |");
        Console.WriteLine($"| post {count} x 1 KiB + {count / 100 + 1} dirs, sha512 | Sluice post (a post configuration built by FlowBuilder) | {s:0.00} | {posted / s:0} msg/s | {l / s:0%} | {peak} |");
    }

    /// <summary>A subscribe flow (FlowFactory, DownloadWork, concurrency 4) draining a prefilled queue, beside curl --parallel-max 4 fetching the same files.</summary>
    private static async Task SubscribeAsync(IConnection connection, string url, string www, string baseUrl, string set, int count, long size, int runs, bool checksum = true)
    {
        var dir = Path.Combine(www, set);
        var files = Enumerable.Range(0, count).Select(i => $"f{i:D5}.bin").ToList();
        if (!Directory.Exists(dir))
        {
            TransferBenchmark.WriteFiles(dir, files, size);
        }

        var messages = new List<NotificationMessage>();
        foreach (var f in files)
        {
            await using var content = File.OpenRead(Path.Combine(dir, f));
            var sha = Convert.ToBase64String(await SHA512.HashDataAsync(content));
            messages.Add(new NotificationMessage(DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss.fff", CultureInfo.InvariantCulture), baseUrl, $"{set}/{f}")
            {
                Identity = checksum ? new Identity("sha512", sha) : null,
                Size = size,
                Source = "bench",
                FromCluster = "localhost",
            });
        }

        var ours = new List<double>();
        var theirs = new List<double>();
        var ourCpu = new List<double>();
        var theirCpu = new List<double>();
        long peak = 0;
        for (var r = 0; r < runs; r++)
        {
            var queue = await BoundQueueAsync(connection, "q_bench_sub", "xbench_sub");
            await PublishAsync(connection, "xbench_sub", messages);
            await using (var admin = await connection.CreateChannelAsync())
            {
                await admin.QueueUnbindAsync(queue, "xbench_sub", "#");
            }

            var output = TransferBenchmark.Out(Path.GetDirectoryName(www)!);
            var settings = new FlowSettings
            {
                Component = "subscribe",
                Flow = new FlowOptions
                {
                    Name = "subscribe/bench",
                    MessageCountMax = count,
                    StateDirectory = Path.Combine(output, ".state"),
                    ReceiveWait = TimeSpan.FromMilliseconds(100),
                },
                Broker = BrokerUrl.Parse(url),
                Subscription = new SubscriptionOptions { Bindings = [new Binding("xbench_sub", ["v03"], "#")], QueueName = queue, Prefetch = 100, QueueDeclare = false, QueueBind = false },
                Download = new DownloadOptions { Directory = output, Mirror = true },
            };
            ResetPeak();
            var flow = await FlowBuilder.BuildAsync(settings, Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
            var cpu = CpuSeconds();
            var watch = Stopwatch.StartNew();
            await flow.RunAsync(CancellationToken.None);
            ours.Add(watch.Elapsed.TotalSeconds);
            ourCpu.Add(CpuSeconds().Self - cpu.Self);
            var ok = flow.Metrics.WorkOk;
            await flow.DisposeAsync();
            peak = Math.Max(peak, PeakMiB());
            var arrived = Directory.EnumerateFiles(Path.Combine(output, set)).Count(p => !p.EndsWith(".tmp", StringComparison.Ordinal));
            Directory.Delete(output, recursive: true);
            if (ok != count || arrived != count)
            {
                throw new InvalidOperationException($"subscribe {set}: {ok} downloaded ok, {arrived} files arrived, {count} expected");
            }

            cpu = CpuSeconds();
            theirs.Add(TransferBenchmark.Curl(baseUrl, files.Select(f => $"{set}/{f}").ToList(), TransferBenchmark.Out(Path.GetDirectoryName(www)!), Parallel).TotalSeconds);
            theirCpu.Add(CpuSeconds().Children - cpu.Children);
            Console.Error.WriteLine($"subscribe {set}: sluice {ours[^1]:0.000} s ({ourCpu[^1]:0.00} s of CPU), curl {theirs[^1]:0.000} s ({theirCpu[^1]:0.00} s of CPU)");
        }

        Console.Error.WriteLine($"subscribe {set}: CPU medians, sluice {TransferBenchmark.Median(ourCpu):0.00} s, curl {TransferBenchmark.Median(theirCpu):0.00} s");

        var s = TransferBenchmark.Median(ours);
        var l = TransferBenchmark.Median(theirs);
        string Rate(double seconds) => size >= 1048576 ? $"{count * size / 1e6 / seconds:0} MB/s" : $"{count / seconds:0} files/s";
        var label = $"subscribe {count} x {(size >= 1048576 ? $"{size / 1048576} MiB" : $"{size / 1024} KiB")} over http, {(checksum ? "sha512 checked" : "no identity in the messages")}";
        Console.WriteLine($"| {label} | limit: curl --parallel-max {Parallel} (no checksum) | {l:0.00} | {Rate(l)} | | |");
        Console.WriteLine($"| {label} | Sluice subscribe flow, concurrency {Parallel} | {s:0.00} | {Rate(s)} | {l / s:0%} | {peak} |");
    }

    /// <summary>
    /// One file posted every 20 ms (announced with sha512 and published, as a watch or post does) to a subscribe
    /// flow one broker away, which downloads it: the time from the start of its post to the end of its download
    /// (the flow's after_work), per file. Beside it, the raw limit: a bare publish consumed by a bare consumer
    /// that fetches the file with HttpClient.
    /// </summary>
    private static async Task LatencyAsync(IConnection connection, string url, string www, string baseUrl, int count)
    {
        var dir = Path.Combine(www, "lat");
        Directory.CreateDirectory(dir);
        var queue = await BoundQueueAsync(connection, "q_bench_lat", "xbench_lat");
        var output = TransferBenchmark.Out(Path.GetDirectoryName(www)!);
        var arrivals = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var settings = new FlowSettings
        {
            Component = "subscribe",
            Flow = new FlowOptions { Name = "subscribe/latency", MessageCountMax = count, StateDirectory = Path.Combine(output, ".state") },
            Broker = BrokerUrl.Parse(url),
            Subscription = new SubscriptionOptions { Bindings = [new Binding("xbench_lat", ["v03"], "#")], QueueName = queue, Prefetch = 100, QueueDeclare = false, QueueBind = false },
            Download = new DownloadOptions { Directory = output, Mirror = true },
            Callbacks = [new Arrivals(arrivals)],
        };
        ResetPeak();
        var flow = await FlowBuilder.BuildAsync(settings, Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        var running = flow.RunAsync(CancellationToken.None);
        var posted = new Dictionary<string, long>(StringComparer.Ordinal);
        Sluice.Core.Brokers.IBroker broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(url), NullLogger.Instance);
        await using (broker)
        {
            var publisher = new BrokerOutput(await broker.CreatePublisherAsync(CancellationToken.None), V03Format.Instance, ["xbench_lat"], ["v03"]);
            await using (publisher)
            {
                var announcer = new FileAnnouncer(new AnnounceOptions { PostBaseUrl = baseUrl, PostBaseDir = www, Source = "bench", FromCluster = "localhost" });
                var content = new byte[4096];
                for (var i = 0; i < count; i++)
                {
                    var path = Path.Combine(dir, $"f{i:D5}.bin");
                    Random.Shared.NextBytes(content);
                    await File.WriteAllBytesAsync(path, content);
                    var start = Stopwatch.GetTimestamp();
                    var messages = await announcer.FileAsync(new FileInfo(path), CancellationToken.None);
                    posted[messages[0].RelPath] = start;
                    await publisher.PublishAsync(messages, CancellationToken.None);
                    await Task.Delay(20);
                }
            }
        }

        await running.WaitAsync(TimeSpan.FromSeconds(60));
        await flow.DisposeAsync();
        var peak = PeakMiB();
        Directory.Delete(output, recursive: true);
        var latencies = posted.Select(p => arrivals.TryGetValue(p.Key, out var end) ? Stopwatch.GetElapsedTime(p.Value, end).TotalMilliseconds : double.NaN).ToList();
        if (latencies.Any(double.IsNaN))
        {
            throw new InvalidOperationException($"latency: {latencies.Count(double.IsNaN)} of {count} files did not arrive");
        }

        var raw = await RawLatencyAsync(connection, baseUrl, posted.Keys.ToList());
        Console.WriteLine($"| latency, {count} x 4 KiB, one every 20 ms | limit: bare publish -> bare consumer -> HttpClient GET | | p50 {Percentile(raw, 50):0.0} ms, p99 {Percentile(raw, 99):0.0} ms | | |");
        Console.WriteLine($"| latency, {count} x 4 KiB, one every 20 ms | Sluice post (sha512) -> RabbitMQ -> subscribe flow (download, checks, rename) | | p50 {Percentile(latencies, 50):0.0} ms, p99 {Percentile(latencies, 99):0.0} ms, max {latencies.Max():0.0} ms | | {peak} |");
    }

    /// <summary>The raw limit of the latency: a bare publish, a bare consumer on another channel, and one GET of the file.</summary>
    private static async Task<List<double>> RawLatencyAsync(IConnection connection, string baseUrl, List<string> relPaths)
    {
        var queue = await BoundQueueAsync(connection, "q_bench_rawlat", "xbench_lat");
        await using var consume = await connection.CreateChannelAsync();
        await using var publish = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        using var http = new HttpClient();
        var latencies = new ConcurrentBag<double>();
        var done = new SemaphoreSlim(0);
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(consume);
        consumer.ReceivedAsync += async (_, e) =>
        {
            var start = BitConverter.ToInt64(e.Body.Span[..8]);
            var relPath = System.Text.Encoding.UTF8.GetString(e.Body.Span[8..]);
            _ = await http.GetByteArrayAsync(baseUrl + relPath);
            await consume.BasicAckAsync(e.DeliveryTag, multiple: false);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            done.Release();
        };
        await consume.BasicConsumeAsync(queue, autoAck: false, consumer);
        var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent };
        foreach (var relPath in relPaths)
        {
            var body = BitConverter.GetBytes(Stopwatch.GetTimestamp()).Concat(System.Text.Encoding.UTF8.GetBytes(relPath)).ToArray();
            await publish.BasicPublishAsync("xbench_lat", "v03.bench", false, properties, body);
            await Task.Delay(20);
        }

        for (var i = 0; i < relPaths.Count; i++)
        {
            await done.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return [.. latencies];
    }

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
    }

    private static async Task<string> BoundQueueAsync(IConnection connection, string queue, string exchange)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        await channel.QueuePurgeAsync(queue);
        await channel.QueueBindAsync(queue, exchange, "#");
        return queue;
    }

    /// <summary>The raw limit of a post's publishing: as many v03 bodies published with confirms, 100 in flight.</summary>
    private static async Task<TimeSpan> BarePublishAsync(IConnection connection, string exchange, int count)
    {
        var bodies = Enumerable.Range(0, count).Select(i => V03Format.Instance.Encode(new NotificationMessage("20261124T103000.000000000", "http://127.0.0.1:1/", $"post/d{i / 100:D3}/f{i:D5}.txt")
        {
            Identity = new Identity("sha512", Convert.ToBase64String(SHA512.HashData(BitConverter.GetBytes(i)))),
            Size = 1024,
            Source = "bench",
            FromCluster = "localhost",
            Mode = "644",
            Mtime = "20261124T102959.000000000",
        }, ["v03"])).ToList();
        var watch = Stopwatch.StartNew();
        await PublishAsync(connection, exchange, bodies);
        return watch.Elapsed;
    }

    private static Task PublishAsync(IConnection connection, string exchange, List<NotificationMessage> messages) =>
        PublishAsync(connection, exchange, messages.Select(m => V03Format.Instance.Encode(m, ["v03"])).ToList());

    private static async Task PublishAsync(IConnection connection, string exchange, List<WireMessage> wires)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = DeliveryModes.Persistent };
        var pending = new List<Task>(100);
        foreach (var wire in wires)
        {
            pending.Add(channel.BasicPublishAsync(exchange, wire.RoutingKey, false, properties, wire.Body).AsTask());
            if (pending.Count == 100)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
    }

    /// <summary>
    /// CPU seconds (user and system) of this process, and of its children that ended and were waited for (curl):
    /// beside the wall time, which on a busy machine also measures the other processes.
    /// </summary>
    private static (double Self, double Children) CpuSeconds()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double Ticks(int field) => long.Parse(fields[field - 3], CultureInfo.InvariantCulture) / 100.0; // fields from 3 on; USER_HZ is 100
        return (Ticks(14) + Ticks(15), Ticks(16) + Ticks(17));
    }

    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long PeakMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>Records when each file's download is done (after_work).</summary>
    private sealed class Arrivals(ConcurrentDictionary<string, long> arrivals) : IFlowCallback
    {
        public string Name => "arrivals";

        public ValueTask AfterWorkAsync(Worklist worklist, CancellationToken cancellationToken)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var item in worklist.Ok)
            {
                arrivals.TryAdd(item.Message.RelPath, now);
            }

            return ValueTask.CompletedTask;
        }
    }
}
