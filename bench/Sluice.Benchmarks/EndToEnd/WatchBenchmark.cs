using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Benchmarks.EndToEnd;

/// <summary>
/// Watch latency: a burst of N files is written into a watched directory; for each file, the time from its close to
/// the broker's confirmation of its announcement. Beside it, the raw limit in the same run: a bare FileSystemWatcher
/// loop that publishes one small message per event with a bare MQTTnet client (QoS 1).
/// </summary>
internal static class WatchBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: watch <mqtt-url> [files=10000]");
            return 2;
        }

        var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
        Console.WriteLine($"burst of {count} files of 1 KiB into one watched directory; latency from close to confirmed announcement");
        Console.WriteLine("| loop | p50 ms | p99 ms | max ms | announced | burst written in s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var raw = await RawAsync(args[0], count);
        Console.WriteLine($"| bare FileSystemWatcher + MQTTnet publish | {raw.P50:F1} | {raw.P99:F1} | {raw.Max:F1} | {raw.Count} | {raw.WriteSeconds:F2} |");
        var watch = await WatchAsync(args[0], count);
        Console.WriteLine($"| Sluice watch (sleep 0.1, sha512) | {watch.P50:F1} | {watch.P99:F1} | {watch.Max:F1} | {watch.Count} | {watch.WriteSeconds:F2} |");
        return 0;
    }

    private sealed record Result(double P50, double P99, double Max, int Count, double WriteSeconds);

    private static async Task<Result> WatchAsync(string url, int count)
    {
        var root = Directory.CreateTempSubdirectory("sluice-bench-watch-").FullName;
        var dir = Path.Combine(root, "burst");
        Directory.CreateDirectory(dir);
        try
        {
            await using var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(url), NullLogger.Instance);
            var exchange = "xwatch" + Guid.NewGuid().ToString("N")[..6];
            var published = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            await using var output = new TimedOutput(new BrokerOutput(await broker.CreatePublisherAsync(CancellationToken.None), V03Format.Instance, [exchange], ["v03"]), published);
            await using var input = new WatchInput(new WatchOptions
            {
                Paths = [dir],
                Announce = new AnnounceOptions { PostBaseUrl = "file:" + root + "/", PostBaseDir = root, Source = "bench" },
                Sleep = TimeSpan.FromMilliseconds(100),
            }, NullLogger.Instance);
            await using var flow = new Flow(new FlowOptions { Name = "watch/bench", ReceiveWait = TimeSpan.FromMilliseconds(50) }, input, null, output, NullLogger.Instance);
            using var stop = new CancellationTokenSource();
            var running = flow.RunAsync(stop.Token);
            await Task.Delay(500);
            var (closed, writeSeconds) = WriteBurst(dir, count);
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 120);
            while (closed.Keys.Count(k => published.ContainsKey("burst/" + k)) < count && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100);
            }

            await stop.CancelAsync();
            await running;
            return Latencies(closed, name => published.TryGetValue("burst/" + name, out var t) ? t : null, writeSeconds);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<Result> RawAsync(string url, int count)
    {
        var parsed = BrokerUrl.Parse(url);
        var dir = Directory.CreateTempSubdirectory("sluice-bench-rawwatch-").FullName;
        try
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(parsed.Host, parsed.EffectivePort).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
            var events = Channel.CreateUnbounded<string>();
            var published = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            using var watcher = new FileSystemWatcher(dir) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size, InternalBufferSize = 64 * 1024 };
            watcher.Created += (_, e) => events.Writer.TryWrite(e.Name!);
            watcher.Changed += (_, e) => events.Writer.TryWrite(e.Name!);
            watcher.EnableRaisingEvents = true;
            var topic = "xrawwatch" + Guid.NewGuid().ToString("N")[..6] + "/v03/burst";
            var publishing = Task.Run(async () =>
            {
                await foreach (var name in events.Reader.ReadAllAsync())
                {
                    await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(name).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                    published.TryAdd(name, Stopwatch.GetTimestamp());
                }
            });
            await Task.Delay(200);
            var (closed, writeSeconds) = WriteBurst(dir, count);
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
            while (published.Count < count && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(50);
            }

            watcher.EnableRaisingEvents = false;
            events.Writer.TryComplete();
            await publishing;
            await client.DisconnectAsync();
            return Latencies(closed, name => published.TryGetValue(name, out var t) ? t : null, writeSeconds);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes the burst; returns each file's close time (Stopwatch ticks) and how long the burst took.</summary>
    private static (Dictionary<string, long> Closed, double Seconds) WriteBurst(string dir, int count)
    {
        var data = new byte[1024];
        Random.Shared.NextBytes(data);
        var closed = new Dictionary<string, long>(count, StringComparer.Ordinal);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var name = $"f{i:D6}.bin";
            File.WriteAllBytes(Path.Combine(dir, name), data);
            closed[name] = Stopwatch.GetTimestamp();
        }

        return (closed, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private static Result Latencies(Dictionary<string, long> closed, Func<string, long?> announced, double writeSeconds)
    {
        var ms = closed.Select(kv => announced(kv.Key) is { } t ? (t - kv.Value) * 1000.0 / Stopwatch.Frequency : (double?)null)
            .Where(v => v is not null).Select(v => v!.Value).Order().ToArray();
        if (ms.Length == 0)
        {
            return new Result(double.NaN, double.NaN, double.NaN, 0, writeSeconds);
        }

        return new Result(ms[ms.Length / 2], ms[Math.Min(ms.Length - 1, (int)(ms.Length * 0.99))], ms[^1], ms.Length, writeSeconds);
    }

    /// <summary>Notes when each message's publication was confirmed, by relPath (the first confirmation counts).</summary>
    private sealed class TimedOutput(IFlowOutput inner, ConcurrentDictionary<string, long> published) : IFlowOutput
    {
        public async ValueTask PublishAsync(IReadOnlyList<NotificationMessage> messages, CancellationToken cancellationToken)
        {
            await inner.PublishAsync(messages, cancellationToken);
            var now = Stopwatch.GetTimestamp();
            foreach (var message in messages)
            {
                published.TryAdd(message.RelPath, now);
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
