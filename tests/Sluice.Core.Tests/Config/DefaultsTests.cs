using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Daemon;

namespace Sluice.Core.Tests.Config;

/// <summary>
/// Defaults are written once: a configuration that sets nothing gives the settings the option records start from, and
/// an error found when a configuration becomes a flow names the line of the option it is about.
/// </summary>
public class DefaultsTests
{
    private static FlowSettings Map(string component, string text) =>
        ConfigMapping.ToSettings(ConfigLoader.LoadText(component, "d", text), new SluicePaths("/nonexistent/config", Path.GetTempPath()), CredentialStore.Empty, 1);

    [Fact]
    public void A_configuration_that_sets_nothing_gets_the_defaults_the_option_records_start_from()
    {
        var subscribe = Map("subscribe", "broker amqp://u@127.0.0.1:1/\ndirectory /srv\n");
        var flow = new FlowOptions { Name = "x" };
        Assert.Equal((flow.Batch, flow.Attempts, flow.RetryTtl, flow.Housekeeping, flow.Concurrency),
            (subscribe.Flow.Batch, subscribe.Flow.Attempts, subscribe.Flow.RetryTtl, subscribe.Flow.Housekeeping, subscribe.Flow.Concurrency));

        var subscription = new SubscriptionOptions { Bindings = [], QueueName = "q" };
        Assert.Equal((subscription.Prefetch, subscription.Expire, subscription.Durable, subscription.QueueBind, subscription.QueueDeclare, subscription.Instances),
            (subscribe.Subscription!.Prefetch, subscribe.Subscription.Expire, subscribe.Subscription.Durable, subscribe.Subscription.QueueBind, subscribe.Subscription.QueueDeclare, subscribe.Subscription.Instances));

        var download = new DownloadOptions { Directory = "/srv" };
        Assert.Equal((download.Timeout, download.BufSize, download.Overwrite, download.Metadata.PermDirDefault, download.Metadata.TimeCopy, download.Metadata.PermCopy),
            (subscribe.Download!.Timeout, subscribe.Download.BufSize, subscribe.Download.Overwrite, subscribe.Download.Metadata.PermDirDefault, subscribe.Download.Metadata.TimeCopy, subscribe.Download.Metadata.PermCopy));
        Assert.Equal(new TransferOptions { Url = "http://x/" }.Timeout, subscribe.Download.Timeout);

        var sender = Map("sender", "broker amqp://u@127.0.0.1:1/\nsendTo sftp://bob@127.0.0.1/\n");
        var send = new SendOptions { SendTo = "sftp://bob@127.0.0.1/" };
        Assert.Equal((send.Timeout, send.BufSize), (sender.Send!.Timeout, sender.Send.BufSize));

        var watch = Map("watch", "post_broker amqp://u@127.0.0.1:1/\npost_baseUrl http://x/\npath /srv\n");
        Assert.Equal(new WatchOptions { Paths = ["/srv"], Announce = watch.Watch!.Announce, StatePath = "j" }.Sleep, watch.Watch.Sleep);
        var announce = new AnnounceOptions { PostBaseUrl = "http://x/" };
        Assert.Equal((announce.BlockSize, announce.InlineByteMax, announce.BufferSize), (watch.Watch.Announce.BlockSize, watch.Watch.Announce.InlineByteMax, watch.Watch.Announce.BufferSize));

        var poll = Map("poll", "post_broker amqp://u@127.0.0.1:1/\npollUrl http://127.0.0.1:1/\n");
        Assert.Equal(new PollOptions { Transfers = TransferRegistry.CreateDefault(), PollUrl = "http://127.0.0.1:1/", PostBaseUrl = "http://127.0.0.1:1/", Identity = poll.Poll!.Identity }.Sleep, poll.Poll.Sleep);
    }

    [Fact]
    public void A_configuration_that_sets_an_option_gets_its_value_not_the_default()
    {
        var subscribe = Map("subscribe", "broker amqp://u@127.0.0.1:1/\ndirectory /srv\nbatch 7\nprefetch 3\ntimeout 9\nexpire 2m\nbufSize 64k\n");
        Assert.Equal(7, subscribe.Flow.Batch);
        Assert.Equal(3, subscribe.Subscription!.Prefetch);
        Assert.Equal(TimeSpan.FromSeconds(9), subscribe.Download!.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(2), subscribe.Subscription.Expire);
        Assert.Equal(64_000, subscribe.Download.BufSize);
    }

    [Fact]
    public void An_error_found_when_a_configuration_becomes_a_flow_names_the_line_of_its_option()
    {
        var config = ConfigLoader.LoadText("poll", "p", "post_broker amqp://u@127.0.0.1:1/\n# a comment\npollUrl sftp://bob@127.0.0.1/\nvip not-an-address\nscheduled_hour 25\n", directory: "/etc/x");
        var error = Assert.Throws<ConfigException>(() => ConfigMapping.ToSettings(config, new SluicePaths("/nonexistent", Path.GetTempPath()), CredentialStore.Empty, 1));
        Assert.Contains("/etc/x/p.conf:4: error: vip 'not-an-address' is not an IP address", error.Message);
        Assert.Contains("/etc/x/p.conf:5: error: scheduled_hour '25'", error.Message);
    }

    [Fact]
    public void A_broker_with_no_adapter_is_refused_when_the_configuration_is_checked_at_its_line()
    {
        var config = ConfigLoader.LoadText("shovel", "s", "# shovel\nbroker mqtt://u@127.0.0.1:1/\npost_broker amqp://u@127.0.0.1:1/\n", directory: "/etc/x");
        var core = new BrokerRegistry();
        core.Register("amqp", (_, _, _) => throw new InvalidOperationException("not built in this test"));
        var amqpOnly = new FlowBuilder(new SluicePaths("/nonexistent", Path.GetTempPath()), CredentialStore.Empty, new AdapterRegistry(core, TransferRegistry.CreateDefault()));

        var error = Assert.Throws<ConfigException>(() => amqpOnly.Validate(config));
        Assert.Contains("/etc/x/s.conf:2: error: broker: Sluice has no broker adapter here for mqtt://", error.Message);
        Assert.DoesNotContain("post_broker", error.Message);
    }

    [Fact]
    public void A_reload_restarts_a_flow_whose_credentials_changed_and_no_other()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        Directory.CreateDirectory(Path.Combine(paths.ConfigDirectory, "shovel"));
        File.WriteAllText(Path.Combine(paths.ConfigDirectory, "shovel", "a.conf"), "broker amqp://alice@127.0.0.1:1/\npost_broker amqp://alice@127.0.0.1:1/\n");
        File.WriteAllText(Path.Combine(paths.ConfigDirectory, "shovel", "b.conf"), "broker amqp://bob@127.0.0.1:1/\npost_broker amqp://bob@127.0.0.1:1/\n");
        var catalog = new ConfigCatalog(paths, NullLogger.Instance, logToFiles: false);
        string Fingerprint(string name) => catalog.Load().Single(d => d.Name == "shovel/" + name).Fingerprint;

        File.WriteAllText(paths.CredentialsFile, "amqp://alice:one@127.0.0.1:1/\namqp://bob:two@127.0.0.1:1/\n");
        File.SetUnixFileMode(paths.CredentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (a, b) = (Fingerprint("a"), Fingerprint("b"));
        Assert.Equal(a, Fingerprint("a"));

        File.WriteAllText(paths.CredentialsFile, "amqp://alice:changed@127.0.0.1:1/\namqp://bob:two@127.0.0.1:1/\n");
        Assert.NotEqual(a, Fingerprint("a"));
        Assert.Equal(b, Fingerprint("b"));
    }
}
