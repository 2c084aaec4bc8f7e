using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Benchmarks.EndToEnd;

/// <summary>
/// Shovel (and winnow) of N queued v03 messages on one RabbitMQ, beside the raw limit measured in the same run: a bare
/// RabbitMQ.Client loop that consumes with the same prefetch, publishes each batch with publisher confirms, and
/// acknowledges the batch with one multiple ack, the fastest lossless way.
/// </summary>
internal static class ShovelBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: shovel <amqp-url> [messages=50000] [batch=100]");
            return 2;
        }

        var url = args[0];
        var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 50_000;
        var batch = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100;
        var factory = new ConnectionFactory { Uri = new Uri(url) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var admin = await connection.CreateChannelAsync();
        foreach (var exchange in new[] { "xbench_in", "xbench_out" })
        {
            await admin.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: false);
        }

        await admin.QueueDeclareAsync("q_bench_out", durable: false, exclusive: false, autoDelete: false);
        await admin.QueueBindAsync("q_bench_out", "xbench_out", "#");

        Console.WriteLine($"shovel of {count} queued v03 messages, batch/prefetch {batch}, on {Sluice.Core.Brokers.BrokerUrl.Redact(url)}");
        Console.WriteLine("| what | messages | seconds | messages/s | peak working set MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|");

        var rawQueue = await FillAsync(connection, "q_bench_raw", count);
        var raw = await RawShovelAsync(connection, rawQueue, count, batch);
        Report("raw limit: bare RabbitMQ.Client consume + confirmed publish + multiple ack", count, raw);
        await admin.QueuePurgeAsync("q_bench_out");

        foreach (var component in new[] { "shovel", "winnow" })
        {
            var queue = await FillAsync(connection, $"q_bench_{component}", count);
            var settings = new FlowSettings
            {
                Component = component,
                Flow = new FlowOptions
                {
                    Name = $"{component}/bench",
                    Batch = batch,
                    MessageCountMax = count,
                    NoDupeTtl = component == "winnow" ? TimeSpan.FromMinutes(5) : TimeSpan.Zero,
                    StateDirectory = Path.Combine(Path.GetTempPath(), "sluice-bench-" + component + "-" + Guid.NewGuid().ToString("N")[..6]),
                    ReceiveWait = TimeSpan.FromMilliseconds(100),
                },
                Broker = Sluice.Core.Brokers.BrokerUrl.Parse(url),
                Subscription = new SubscriptionOptions { Bindings = [new Sluice.Core.Brokers.Binding("xbench_in", ["v03"], "#")], QueueName = queue, Prefetch = batch, QueueDeclare = false, QueueBind = false },
                PostBroker = Sluice.Core.Brokers.BrokerUrl.Parse(url),
                PostExchanges = ["xbench_out"],
            };
            var flow = await FlowBuilder.BuildAsync(settings, Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
            var stopwatch = Stopwatch.StartNew();
            await flow.RunAsync(CancellationToken.None);
            stopwatch.Stop();
            Report($"sluice {component}", flow.Metrics.Posted, stopwatch.Elapsed);
            await flow.DisposeAsync();
            await admin.QueuePurgeAsync("q_bench_out");
        }

        return 0;
    }

    private static void Report(string what, long messages, TimeSpan elapsed)
    {
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"| {what} | {messages} | {elapsed.TotalSeconds:F2} | {messages / elapsed.TotalSeconds:F0} | {process.PeakWorkingSet64 / (1024 * 1024)} |");
    }

    /// <summary>Queues N distinct v03 messages (as sr3 would post them) for a run.</summary>
    private static async Task<string> FillAsync(IConnection connection, string queue, int count)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        await channel.QueuePurgeAsync(queue);
        await channel.QueueBindAsync(queue, "xbench_in", "v03.#");
        var properties = new BasicProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = DeliveryModes.Transient };
        var pending = new List<Task>(1000);
        for (var i = 0; i < count; i++)
        {
            var message = new NotificationMessage("20261124T103000.000000000", "http://127.0.0.1:8090/", $"obs/station{i % 100}/file{i}.txt")
            {
                Identity = new Identity("sha512", Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData(BitConverter.GetBytes(i)))),
                Size = 1000 + i,
                Source = "bench",
                FromCluster = "localhost",
                Mode = "644",
                Mtime = "20261124T102959.000000000",
            };
            var wire = V03Format.Instance.Encode(message, ["v03"]);
            pending.Add(channel.BasicPublishAsync("xbench_in", wire.RoutingKey, false, properties, wire.Body).AsTask());
            if (pending.Count == 1000)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
        await channel.QueueUnbindAsync(queue, "xbench_in", "v03.#");
        return queue;
    }

    private static async Task<TimeSpan> RawShovelAsync(IConnection connection, string queue, int count, int batch)
    {
        await using var consume = await connection.CreateChannelAsync();
        await using var publish = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await consume.BasicQosAsync(0, (ushort)batch, false);
        var stopwatch = Stopwatch.StartNew();
        var done = 0;
        var properties = new BasicProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = DeliveryModes.Persistent };
        var buffer = System.Threading.Channels.Channel.CreateUnbounded<(ulong Tag, byte[] Body, string Key)>();
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(consume);
        consumer.ReceivedAsync += (_, e) =>
        {
            buffer.Writer.TryWrite((e.DeliveryTag, e.Body.ToArray(), e.RoutingKey));
            return Task.CompletedTask;
        };
        await consume.BasicConsumeAsync(queue, autoAck: false, consumer);
        var items = new List<(ulong Tag, byte[] Body, string Key)>(batch);
        while (done < count)
        {
            items.Clear();
            await buffer.Reader.WaitToReadAsync();
            while (items.Count < batch && buffer.Reader.TryRead(out var item))
            {
                items.Add(item);
            }

            await Task.WhenAll(items.Select(i => publish.BasicPublishAsync("xbench_out", i.Key, false, properties, i.Body).AsTask()));
            await consume.BasicAckAsync(items[^1].Tag, multiple: true);
            done += items.Count;
        }

        return stopwatch.Elapsed;
    }
}
