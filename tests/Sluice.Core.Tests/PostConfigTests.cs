using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Flows;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

/// <summary><c>sluice post -c post/name</c> as a real process: the configuration's broker, exchange, URL, identity and blockSize.</summary>
[Collection("Mosquitto")]
public class PostConfigTests(MosquittoServer mosquitto)
{
    private static (int Code, string Out, string Err) Process(string configDir, string stateDir, params string[] args) => CliFlowTests.Process(configDir, stateDir, args);

    [Fact]
    public async Task Post_with_a_configuration_announces_its_path_on_its_broker_and_exchange_with_its_identity_and_blocks()
    {
        using var dir = new TempDirectory();
        var source = dir.File("source");
        Directory.CreateDirectory(Path.Combine(source, "data"));
        File.WriteAllText(Path.Combine(source, "data", "small.txt"), "small file\n");
        File.WriteAllBytes(Path.Combine(source, "data", "big.bin"), RandomNumberGenerator.GetBytes(250_000));
        var exchange = "xpcfg" + Guid.NewGuid().ToString("N")[..6];
        Directory.CreateDirectory(dir.File("config/post"));
        File.WriteAllText(
            dir.File("config/post/feed.conf"),
            $"post_broker {mosquitto.Url}\npost_exchange {exchange}\npost_baseUrl http://pump.example/feed/\npost_baseDir {source}\nidentity md5\nblockSize 100k\npath {Path.Combine(source, "data")}\n");

        await using var broker = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(mosquitto.Url), NullLogger.Instance);
        var subscription = await broker.SubscribeAsync(new SubscriptionOptions { Bindings = [new Binding(exchange, ["v03"], "#")], QueueName = "q_anonymous.test." + exchange }, CancellationToken.None);
        await using var input = new BrokerInput(subscription, NullLogger.Instance);

        var post = Process(dir.File("config"), dir.File("state"), "post", "-c", "post/feed");
        Assert.True(post.Code == 0, post.Out + post.Err);
        Assert.Contains("5 message(s) posted", post.Err); // the directory, the small file, three blocks of the big one

        var received = new List<FlowMessage>();
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        while (received.Count < 5 && !timeout.IsCancellationRequested)
        {
            received.AddRange(await input.ReceiveAsync(10, TimeSpan.FromMilliseconds(200), timeout.Token));
        }

        var messages = received.Select(r => r.Message).ToList();
        Assert.Equal(5, messages.Count);
        Assert.All(messages, m => Assert.Equal("http://pump.example/feed/", m.BaseUrl));
        var small = Assert.Single(messages, m => m.RelPath == "data/small.txt");
        Assert.Equal("md5", small.Identity!.Method);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(File.ReadAllBytes(Path.Combine(source, "data", "small.txt")))), small.Identity.Value);
        var blocks = messages.Where(m => m.RelPath == "data/big.bin").Select(m => m.Blocks!).OrderBy(b => b.Number).ToList();
        Assert.Equal([0L, 1L, 2L], blocks.Select(b => b.Number));
        Assert.All(blocks, b => Assert.Equal(100_000, b.Size));

        // A command-line option wins over the configuration; a configuration that is not there is named.
        var whole = Process(dir.File("config"), dir.File("state"), "post", "-c", "post/feed", "--blockSize", "1", Path.Combine(source, "data", "big.bin"));
        Assert.True(whole.Code == 0, whole.Err);
        Assert.Contains("1 message(s) posted", whole.Err);
        var missing = Process(dir.File("config"), dir.File("state"), "post", "-c", "post/nope");
        Assert.Equal(1, missing.Code);
        Assert.Contains("nope.conf", missing.Err);
        Assert.Contains("no such configuration", missing.Err);
    }
}
