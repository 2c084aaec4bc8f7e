using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Work;
using Sluice.Daemon.DataServer;

namespace Sluice.Flows.Tests;

/// <summary>Helpers for end-to-end scenarios: trees of files, data servers, and the flows of a pump.</summary>
internal static class Pump
{
    /// <summary>A tree of <paramref name="dirs"/> x <paramref name="subdirs"/> directories of <paramref name="files"/> files of varied sizes.</summary>
    public static int MakeTree(string root, int dirs, int subdirs, int files, int seed = 1)
    {
        var random = new Random(seed);
        var count = 0;
        for (var d = 0; d < dirs; d++)
        {
            for (var s = 0; s < subdirs; s++)
            {
                var dir = Path.Combine(root, $"dir{d:D2}", $"sub {s:D2}");
                Directory.CreateDirectory(dir);
                for (var f = 0; f < files; f++)
                {
                    var bytes = new byte[random.Next(0, 3) == 0 ? random.Next(0, 64) : random.Next(64, 40_000)];
                    random.NextBytes(bytes);
                    File.WriteAllBytes(Path.Combine(dir, $"file{f:D3}.bin"), bytes);
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>The sha512 of every file under the root, by relative path.</summary>
    public static Dictionary<string, string> Checksums(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA512.HashData(File.ReadAllBytes(f))));

    /// <summary>The checksums of a tree that is still changing; null when it is not there yet or a file moved while it was read.</summary>
    public static Dictionary<string, string>? ChecksumsWhileChanging(string root)
    {
        try
        {
            return Directory.Exists(root) ? Checksums(root) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static async Task<DataServer> ServeAsync(string root)
    {
        var server = new DataServer(new DataServerOptions { Root = root, Port = 0 });
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    /// <summary>Posts a tree (as <c>sluice post</c> does) and returns how many messages were posted.</summary>
    public static async Task<long> PostAsync(string brokerUrl, string exchange, string root, string baseUrl, string format = "v03")
    {
        var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(brokerUrl), NullLogger.Instance);
        await using var _ = broker;
        var announcer = new FileAnnouncer(new AnnounceOptions { PostBaseUrl = baseUrl, PostBaseDir = root, Source = "tsource", FromCluster = "test" });
        await using var input = new PostInput(announcer, Directory.GetDirectories(root));
        var messageFormat = MessageFormats.ByName(format);
        await using var output = new BrokerOutput(await broker.CreatePublisherAsync(CancellationToken.None), messageFormat, [exchange], messageFormat.DefaultTopicPrefix);
        await using var flow = new Flow(new FlowOptions { Name = "post/test", Concurrency = 1 }, input, null, output, NullLogger.Instance);
        await flow.RunAsync(CancellationToken.None);
        return flow.Metrics.Posted;
    }

    public static FlowSettings Settings(string component, string brokerUrl, string exchange, string queue, long count, string state, DownloadOptions? download = null, string? postExchange = null, string postFormat = "v03", string? postBroker = null) => new()
    {
        Component = component,
        Flow = new FlowOptions
        {
            Name = $"{component}/test",
            MessageCountMax = count,
            StateDirectory = state,
            Concurrency = 8,
            NoDupeTtl = component == "winnow" ? TimeSpan.FromMinutes(5) : TimeSpan.Zero,
            NoDupeBasis = NoDupeBasis.Path,
            ReceiveWait = TimeSpan.FromMilliseconds(200),
        },
        Broker = BrokerUrl.Parse(brokerUrl),
        Subscription = new SubscriptionOptions
        {
            Bindings = [new Binding(exchange, ["v03"], "#"), new Binding(exchange, ["v02", "post"], "#")],
            QueueName = queue,
            Prefetch = 100,
            Expire = TimeSpan.FromMinutes(10),
        },
        Download = download,
        PostBroker = postExchange is null ? null : BrokerUrl.Parse(postBroker ?? brokerUrl),
        PostExchanges = postExchange is null ? [] : [postExchange],
        PostFormat = postFormat,
    };
}
