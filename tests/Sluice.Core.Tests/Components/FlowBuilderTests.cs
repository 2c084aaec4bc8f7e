using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Tests.Flows;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests.Components;

public class FlowBuilderTests
{
    [Fact]
    public async Task A_watch_built_from_its_configuration_honours_accept_and_reject()
    {
        using var dir = new TempDirectory();
        var root = dir.File("w");
        Directory.CreateDirectory(root);
        var config = ConfigLoader.LoadText("watch", "w", $"""
            post_broker mqtt://feeder@127.0.0.1:1/
            post_baseUrl http://127.0.0.1:1/
            post_baseDir {dir.Path}
            path {root}
            reject .*\.secret$
            accept .*
            """);
        var settings = ConfigMapping.ToSettings(config, new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, 1);
        var output = new MemoryOutput();
        await using var flow = await FlowBuilder.BuildAsync(settings with { Flow = settings.Flow with { ReceiveWait = TimeSpan.FromMilliseconds(50) } }, AdapterRegistry.CreateCore(), NullLogger.Instance, null, CancellationToken.None, new FlowExtras { Output = output });
        using var stop = new CancellationTokenSource();
        var running = flow.RunAsync(stop.Token);

        await File.WriteAllTextAsync(Path.Combine(root, "b.secret"), "not to be disseminated");
        await File.WriteAllTextAsync(Path.Combine(root, "a.txt"), "public");
        using (var timeout = new CancellationTokenSource(Patience.Delivery))
        {
            while (!(flow.Metrics.Rejected >= 1 && output.Published.Any(m => m.RelPath == "w/a.txt")))
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        await stop.CancelAsync();
        await running;
        Assert.DoesNotContain(output.Published, m => m.RelPath.EndsWith(".secret", StringComparison.Ordinal));
        Assert.Contains(output.Published, m => m.RelPath == "w/a.txt");
    }

    [Fact]
    public void Every_error_of_a_configuration_is_collected_before_anything_is_built()
    {
        using var dir = new TempDirectory();
        var config = ConfigLoader.LoadText("watch", "broken", "callback nosuch.thing\n");
        var builder = new FlowBuilder(new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, AdapterRegistry.CreateCore());
        var errors = Assert.Throws<ConfigException>(() => builder.Validate(config)).Errors.Select(e => e.Message).ToList();
        Assert.Contains(errors, e => e.Contains("needs a post_broker", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("needs a path", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unknown callback 'nosuch.thing'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flow_gets_its_broker_from_the_registry_the_builder_is_given_and_from_no_other()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var config = ConfigLoader.LoadText("shovel", "s", "broker amqp://u:p@127.0.0.1:1/\nexchange xs_u\npost_broker amqp://u:p@127.0.0.1:1/\n");

        // A registry without the broker's adapter refuses the configuration when it is checked, at the broker's line.
        var core = new FlowBuilder(paths, CredentialStore.Empty, AdapterRegistry.CreateCore());
        var none = await Assert.ThrowsAsync<ConfigException>(() => core.BuildAsync(config, 1, NullLogger.Instance, CancellationToken.None));
        Assert.Contains("s.conf:1: error: broker: Sluice has no broker adapter here for amqp://", none.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => core.Validate(config));

        var asked = new List<BrokerUrl>();
        var own = AdapterRegistry.CreateCore();
        own.Brokers.Register("amqp", (url, _, _) =>
        {
            asked.Add(url);
            throw new BrokerException(url, "the test's own amqp adapter");
        });
        var ownBuilt = await Assert.ThrowsAsync<BrokerException>(() => new FlowBuilder(paths, CredentialStore.Empty, own).BuildAsync(config, 1, NullLogger.Instance, CancellationToken.None));
        Assert.Contains("the test's own amqp adapter", ownBuilt.Message, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", Assert.Single(asked).Host);

        // Registering in one registry changes no other.
        Assert.False(AdapterRegistry.CreateCore().Brokers.Supports("amqp"));
        Assert.True(Sluice.Daemon.Adapters.Create().Brokers.Supports("amqp"));
    }

    [Fact]
    public void A_poll_may_list_only_with_a_protocol_of_the_builders_registry()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var config = ConfigLoader.LoadText("poll", "p", "post_broker amqp://u:p@127.0.0.1:1/\npollUrl sftp://u@127.0.0.1:1/\npath data\n");
        var core = AdapterRegistry.CreateCore();
        core.Brokers.Register("amqp", (url, _, _) => throw new BrokerException(url, "not built in this test"));
        var refused = Assert.Throws<ConfigException>(() => new FlowBuilder(paths, CredentialStore.Empty, core).Validate(config));
        Assert.Contains("not a URL of a protocol Sluice can list (file, http, https)", refused.Message, StringComparison.Ordinal);
        new FlowBuilder(paths, CredentialStore.Empty, Sluice.Daemon.Adapters.Create()).Validate(config);
    }

    [Fact]
    public void Callback_names_resolve_in_the_builders_callback_registry()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var config = ConfigLoader.LoadText("watch", "w", $"post_broker mqtt://u:p@127.0.0.1:1/\npost_baseUrl http://127.0.0.1:1/\npath {dir.Path}\ncallback site.mine\n");
        var callbacks = new CallbackRegistry();
        callbacks.Register("site.mine", () => new ToClustersCallback(new HashSet<string>(["A"])));
        new FlowBuilder(paths, CredentialStore.Empty, Sluice.Daemon.Adapters.Create(), callbacks: callbacks).Validate(config);
        var unknown = Assert.Throws<ConfigException>(() => new FlowBuilder(paths, CredentialStore.Empty, Sluice.Daemon.Adapters.Create()).Validate(config));
        Assert.Contains("unknown callback 'site.mine'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_built_flow_closes_what_it_opened_when_it_is_disposed()
    {
        using var dir = new TempDirectory();
        var root = dir.File("w");
        Directory.CreateDirectory(root);
        var config = ConfigLoader.LoadText("watch", "w", $"post_broker mqtt://feeder@127.0.0.1:1/\npost_baseUrl http://127.0.0.1:1/\npath {root}\n");
        var closed = new List<string>();
        var adapters = AdapterRegistry.CreateCore();
        adapters.Brokers.Register("mqtt", (url, _, _) => new RecordingBroker(url, closed));
        var builder = new FlowBuilder(new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, adapters);
        var flow = await builder.BuildAsync(config, 1, NullLogger.Instance, CancellationToken.None, owned: [new Recorded("log", closed)]);
        Assert.Empty(closed);
        await flow.DisposeAsync();

        // The publisher before the connection it uses, the caller's log last; each once, however often the flow is disposed.
        await flow.DisposeAsync();
        Assert.Equal(["publisher", "broker", "log"], closed);
    }

    private sealed class Recorded(string name, List<string> closed) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            closed.Add(name);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class RecordingBroker(BrokerUrl url, List<string> closed) : IBroker
    {
        public BrokerUrl Url => url;

        public Task<ISubscription> SubscribeAsync(SubscriptionOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IPublisher> CreatePublisherAsync(CancellationToken cancellationToken) => Task.FromResult<IPublisher>(new Publisher(closed));

        public Task DeclareExchangeAsync(string exchange, bool durable, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeleteExchangeAsync(string exchange, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeleteQueueAsync(string queue, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            closed.Add("broker");
            return ValueTask.CompletedTask;
        }

        private sealed class Publisher(List<string> closed) : IPublisher
        {
            public ValueTask PublishAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken) => ValueTask.CompletedTask;

            public ValueTask DisposeAsync()
            {
                closed.Add("publisher");
                return ValueTask.CompletedTask;
            }
        }
    }
}
