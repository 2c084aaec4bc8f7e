using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using RabbitMQ.Client;
using Sluice.Core.Brokers;
using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Benchmarks.EndToEnd;

/// <summary>
/// Publish then consume N v03 messages through each broker adapter, beside a bare client loop doing the same
/// lossless work on the same broker (publish with confirms / QoS 1 in batches; consume with acknowledgements).
/// </summary>
internal static class BrokerBenchmark
{
    private const int Batch = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: brokers <amqp-url> <mqtt-url> [messages=100000]");
            return 2;
        }

        var count = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var wires = Enumerable.Range(0, count).Select(i => V03Format.Instance.Encode(
            new NotificationMessage("20261124T103000.000000000", "http://127.0.0.1:8090/", $"obs/station{i % 100}/file{i}.txt")
            {
                Identity = new Identity("sha512", Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData(BitConverter.GetBytes(i)))),
                Size = 1000 + i,
                Source = "bench",
            }, ["v03"])).ToArray();

        Console.WriteLine($"publish then consume {count} v03 messages, batches of {Batch}");
        Console.WriteLine("| broker | client | publish msg/s | consume msg/s | of raw (publish / consume) |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        var (rawAmqpPublish, rawAmqpConsume) = await RawAmqpAsync(args[0], wires);
        Console.WriteLine($"| RabbitMQ | raw RabbitMQ.Client | {rawAmqpPublish:F0} | {rawAmqpConsume:F0} | |");
        var (amqpPublish, amqpConsume) = await AdapterAsync(args[0], wires);
        Console.WriteLine($"| RabbitMQ | Sluice AmqpBroker | {amqpPublish:F0} | {amqpConsume:F0} | {amqpPublish / rawAmqpPublish:P0} / {amqpConsume / rawAmqpConsume:P0} |");
        var (rawMqttPublish, rawMqttConsume) = await RawMqttAsync(args[1], wires);
        Console.WriteLine($"| Mosquitto | raw MQTTnet | {rawMqttPublish:F0} | {rawMqttConsume:F0} | |");
        var (mqttPublish, mqttConsume) = await AdapterAsync(args[1], wires);
        Console.WriteLine($"| Mosquitto | Sluice MqttBroker | {mqttPublish:F0} | {mqttConsume:F0} | {mqttPublish / rawMqttPublish:P0} / {mqttConsume / rawMqttConsume:P0} |");
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"peak working set of the benchmark process: {process.PeakWorkingSet64 / (1024 * 1024)} MiB");
        return 0;
    }

    private static async Task<(double Publish, double Consume)> AdapterAsync(string url, WireMessage[] wires)
    {
        var exchange = "xbench" + Guid.NewGuid().ToString("N")[..6];
        var queue = "q_bench." + Guid.NewGuid().ToString("N")[..8];
        await using var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(url), NullLogger.Instance);
        await broker.DeclareExchangeAsync(exchange, durable: false, CancellationToken.None);
        await using var subscription = await broker.SubscribeAsync(new SubscriptionOptions { Bindings = [new Binding(exchange, ["v03"], "#")], QueueName = queue, Prefetch = Batch, Expire = TimeSpan.FromMinutes(5) }, CancellationToken.None);
        await using var publisher = await broker.CreatePublisherAsync(CancellationToken.None);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < wires.Length; i += Batch)
        {
            await publisher.PublishAsync(wires.Skip(i).Take(Batch).Select(w => new OutgoingMessage(exchange, w)).ToList(), CancellationToken.None);
        }

        var publish = wires.Length / stopwatch.Elapsed.TotalSeconds;
        stopwatch.Restart();
        var received = 0;
        while (received < wires.Length)
        {
            var batch = await subscription.ReceiveAsync(Batch, TimeSpan.FromSeconds(5), CancellationToken.None);
            if (batch.Count == 0)
            {
                break;
            }

            received += batch.Count;
            await subscription.AcknowledgeAsync(batch.Select(b => b.AckToken).ToList(), CancellationToken.None);
        }

        return (publish, received / stopwatch.Elapsed.TotalSeconds);
    }

    private static async Task<(double, double)> RawAmqpAsync(string url, WireMessage[] wires)
    {
        var factory = new ConnectionFactory { Uri = new Uri(url) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var exchange = "xraw" + Guid.NewGuid().ToString("N")[..6];
        var queue = "q_raw." + Guid.NewGuid().ToString("N")[..8];
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, exchange, "v03.#");
        var properties = new BasicProperties { ContentType = "application/json", ContentEncoding = "utf-8", DeliveryMode = DeliveryModes.Persistent };
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < wires.Length; i += Batch)
        {
            await Task.WhenAll(wires.Skip(i).Take(Batch).Select(w => channel.BasicPublishAsync(exchange, w.RoutingKey, false, properties, w.Body).AsTask()));
        }

        var publish = wires.Length / stopwatch.Elapsed.TotalSeconds;
        await using var consume = await connection.CreateChannelAsync();
        await consume.BasicQosAsync(0, Batch, false);
        var done = new TaskCompletionSource();
        var received = 0;
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(consume);
        consumer.ReceivedAsync += async (_, e) =>
        {
            _ = e.Body.ToArray();
            if (++received % Batch == 0 || received == wires.Length)
            {
                await consume.BasicAckAsync(e.DeliveryTag, multiple: true);
            }

            if (received == wires.Length)
            {
                done.TrySetResult();
            }
        };
        stopwatch.Restart();
        await consume.BasicConsumeAsync(queue, autoAck: false, consumer);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        return (publish, wires.Length / stopwatch.Elapsed.TotalSeconds);
    }

    private static async Task<(double, double)> RawMqttAsync(string url, WireMessage[] wires)
    {
        var parsed = BrokerUrl.Parse(url);
        var factory = new MqttClientFactory();
        using var subscriber = factory.CreateMqttClient();
        using var publisher = factory.CreateMqttClient();
        var topicRoot = "xraw" + Guid.NewGuid().ToString("N")[..6];
        var received = 0;
        var done = new TaskCompletionSource();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            _ = System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload);
            if (Interlocked.Increment(ref received) == wires.Length)
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        };
        var subscriberOptions = new MqttClientOptionsBuilder().WithTcpServer(parsed.Host, parsed.EffectivePort).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId("raw_sub_" + topicRoot).WithCleanStart(false).WithSessionExpiryInterval(600).WithReceiveMaximum(Batch).Build();
        await subscriber.ConnectAsync(subscriberOptions);
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(topicRoot + "/v03/#").WithAtLeastOnceQoS()).Build());
        await subscriber.DisconnectAsync();
        await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(parsed.Host, parsed.EffectivePort).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < wires.Length; i += Batch)
        {
            await Task.WhenAll(wires.Skip(i).Take(Batch).Select(w => publisher.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(topicRoot + "/" + string.Join('/', w.Topic)).WithPayload(w.Body.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build())));
        }

        var publish = wires.Length / stopwatch.Elapsed.TotalSeconds;
        stopwatch.Restart();
        await subscriber.ConnectAsync(subscriberOptions);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        return (publish, wires.Length / stopwatch.Elapsed.TotalSeconds);
    }
}
