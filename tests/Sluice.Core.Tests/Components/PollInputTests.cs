using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Messages;
using Sluice.Core.Transfers;
using Sluice.Daemon;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests.Components;

public class PollInputTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Scheduled_hours_and_minutes_give_the_next_appointment_utc_and_interval_or_sleep_count_from_now()
    {
        var options = new PollOptions { PollUrl = "file:///", PostBaseUrl = "file:///", ScheduledHours = [13, 1], ScheduledMinutes = [5] };
        Assert.Equal(Noon.AddMinutes(65), PollInput.NextPoll(options, Noon));
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 1, 5, 0, TimeSpan.Zero), PollInput.NextPoll(options, Noon.AddMinutes(65)));

        var minutes = options with { ScheduledHours = [], ScheduledMinutes = [15, 45] };
        Assert.Equal(Noon.AddMinutes(15), PollInput.NextPoll(minutes, Noon));
        Assert.Equal(Noon.AddMinutes(45), PollInput.NextPoll(minutes, Noon.AddMinutes(15)));

        var hours = options with { ScheduledMinutes = [] };
        Assert.Equal(Noon.AddHours(1), PollInput.NextPoll(hours, Noon));

        var times = options with { ScheduledHours = [], ScheduledMinutes = [], ScheduledTimes = [new TimeSpan(6, 30, 0)] };
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 6, 30, 0, TimeSpan.Zero), PollInput.NextPoll(times, Noon));

        var interval = options with { ScheduledHours = [], ScheduledMinutes = [], ScheduledInterval = TimeSpan.FromMinutes(10) };
        Assert.Equal(Noon.AddMinutes(10), PollInput.NextPoll(interval, Noon));
        Assert.Equal(Noon.AddSeconds(30), PollInput.NextPoll(interval with { ScheduledInterval = TimeSpan.Zero, Sleep = TimeSpan.FromSeconds(30) }, Noon));
    }

    [Fact]
    public async Task Files_too_old_or_too_young_are_left_out_and_the_rest_announced_with_the_listing_s_size_and_mtime()
    {
        using var dir = new TempDirectory();
        var root = dir.File("served");
        Directory.CreateDirectory(Path.Combine(root, "obs"));
        File.WriteAllText(Path.Combine(root, "obs", "ripe.txt"), "ripe\n");
        File.WriteAllText(Path.Combine(root, "obs", "old.txt"), "old\n");
        File.WriteAllText(Path.Combine(root, "obs", "young.txt"), "young\n");
        var time = new FakeTimeProvider(Noon);
        File.SetLastWriteTimeUtc(Path.Combine(root, "obs", "ripe.txt"), Noon.AddMinutes(-10).UtcDateTime);
        File.SetLastWriteTimeUtc(Path.Combine(root, "obs", "old.txt"), Noon.AddDays(-40).UtcDateTime);
        File.SetLastWriteTimeUtc(Path.Combine(root, "obs", "young.txt"), Noon.AddSeconds(-5).UtcDateTime);
        var options = new PollOptions
        {
            PollUrl = $"file://{root}/",
            PostBaseUrl = "http://pump.example/data/",
            Paths = ["obs"],
            FileAgeMin = TimeSpan.FromMinutes(1),
            FileAgeMax = TimeSpan.FromDays(30),
            Source = "tfeed",
        };
        await using var poll = new PollInput(options, NullLogger.Instance, time);

        var batch = await poll.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None);

        var m = Assert.Single(batch).Message;
        Assert.Equal("obs/ripe.txt", m.RelPath);
        Assert.Equal("http://pump.example/data/", m.BaseUrl);
        Assert.Equal(5, m.Size);
        Assert.Equal("20261201T115000.000000000", m.Mtime);
        Assert.Equal(new Identity("cod", "sha512"), m.Identity);
        Assert.Equal("tfeed", m.Source);
        Assert.Equal(3, poll.Listed);
        Assert.Equal(Noon.AddMinutes(5), poll.NextPollTime);
    }

    [Fact]
    public async Task With_timezone_the_times_of_an_http_index_are_read_in_that_zone_and_those_of_sftp_or_file_are_not()
    {
        using var dir = new TempDirectory();
        var root = dir.File("served");
        Directory.CreateDirectory(Path.Combine(root, "obs"));
        File.WriteAllText(Path.Combine(root, "obs", "ripe.txt"), "ripe\n");
        File.SetLastWriteTimeUtc(Path.Combine(root, "obs", "ripe.txt"), Noon.AddMinutes(-10).UtcDateTime);
        var server = new Sluice.Daemon.DataServer.DataServer(new Sluice.Daemon.DataServer.DataServerOptions { Root = root, Port = 0 });
        await server.StartAsync(CancellationToken.None);
        await using var _ = server;
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"); // UTC+9, no daylight saving time
        var options = new PollOptions { PollUrl = server.BaseUrl, PostBaseUrl = server.BaseUrl, Paths = ["obs"], ListingTimeZone = tokyo };

        // The index says 11:50: in Tokyo that is 02:50 UTC.
        await using (var poll = new PollInput(options, NullLogger.Instance, new FakeTimeProvider(Noon)))
        {
            Assert.Equal("20261201T025000.000000000", Assert.Single(await poll.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None)).Message.Mtime);
        }

        // So it is 9 h 10 min old, older than a fileAgeMax of an hour.
        await using (var poll = new PollInput(options with { FileAgeMax = TimeSpan.FromHours(1) }, NullLogger.Instance, new FakeTimeProvider(Noon)))
        {
            Assert.Empty(await poll.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None));
        }

        // A file listing carries true times.
        await using (var poll = new PollInput(options with { PollUrl = $"file://{root}/" }, NullLogger.Instance, new FakeTimeProvider(Noon)))
        {
            Assert.Equal("20261201T115000.000000000", Assert.Single(await poll.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None)).Message.Mtime);
        }
    }

    [Fact]
    public void A_timezone_that_is_not_known_is_a_configuration_error_that_names_it()
    {
        var config = ConfigLoader.LoadText("poll", "zoned", "post_broker mqtt://u:p@127.0.0.1:1/\npollUrl http://127.0.0.1:1/\ntimezone Mars/Olympus_Mons\n");
        var e = Assert.Throws<ConfigException>(() => ConfigMapping.Poll(config, CredentialStore.Empty, BrokerUrl.Parse("mqtt://u:p@127.0.0.1:1/"), TransferRegistry.CreateDefault()));
        Assert.Contains("timezone: Mars/Olympus_Mons", e.Message, StringComparison.Ordinal);
        Assert.Equal(TimeZoneInfo.FindSystemTimeZoneById("America/Toronto"), ConfigMapping.Poll(ConfigLoader.LoadText("poll", "toronto", "post_broker mqtt://u:p@127.0.0.1:1/\npollUrl http://127.0.0.1:1/\ntimezone America/Toronto\n"), CredentialStore.Empty, BrokerUrl.Parse("mqtt://u:p@127.0.0.1:1/"), TransferRegistry.CreateDefault()).ListingTimeZone);
    }

    [Fact]
    public async Task Date_variables_in_a_path_take_the_time_of_each_poll()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("obs/20261201"));
        Directory.CreateDirectory(dir.File("obs/20261202"));
        File.WriteAllText(dir.File("obs/20261201/first.txt"), "1\n");
        File.WriteAllText(dir.File("obs/20261202/second.txt"), "2\n");
        var config = ConfigLoader.LoadText("poll", "dated", "post_broker mqtt://u:p@127.0.0.1:1/\npollUrl file:///\npath obs/${YYYYMMDD}\n");
        Assert.Equal(["obs/${YYYYMMDD}"], config.List("path"));
        var time = new FakeTimeProvider(Noon);
        var options = new PollOptions { PollUrl = $"file://{dir.Path}/", PostBaseUrl = "file:///", Paths = config.List("path"), Sleep = TimeSpan.FromHours(1) };
        await using var poll = new PollInput(options, NullLogger.Instance, time);

        Assert.Equal("obs/20261201/first.txt", Assert.Single(await poll.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None)).Message.RelPath);
        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal("obs/20261202/second.txt", Assert.Single(await poll.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None)).Message.RelPath);
    }

    [Fact]
    public async Task A_vip_held_by_no_local_interface_makes_the_poll_wait_and_one_held_lets_it_poll()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a.txt"), "a\n");
        var options = new PollOptions { PollUrl = $"file://{dir.Path}/", PostBaseUrl = "file:///", Vip = [IPAddress.Parse("192.0.2.77")] };
        await using (var waiting = new PollInput(options, NullLogger.Instance))
        {
            Assert.Empty(await waiting.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None));
            Assert.True(waiting.WaitingForVip);
            Assert.Equal(0, waiting.Listed);
        }

        await using var holding = new PollInput(options with { Vip = [IPAddress.Parse("192.0.2.77"), IPAddress.Loopback] }, NullLogger.Instance);
        Assert.Equal("a.txt", Assert.Single(await holding.ReceiveAsync(100, TimeSpan.Zero, CancellationToken.None)).Message.RelPath);
        Assert.False(holding.WaitingForVip);
    }

    [Fact]
    public void A_poll_configuration_with_bad_values_fails_with_its_file_and_every_error()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        Directory.CreateDirectory(Path.Combine(paths.ConfigDirectory, "poll"));
        File.WriteAllText(Path.Combine(paths.ConfigDirectory, "poll", "bad.conf"), "post_broker mqtt://u:p@127.0.0.1:1/\nvip not-an-address\nscheduled_hour 25\n");
        File.WriteAllText(Path.Combine(paths.ConfigDirectory, "poll", "legacy.conf"), "post_broker mqtt://u:p@127.0.0.1:1/\ndestination sftp://bob@data.example/\n");
        var catalog = new ConfigCatalog(paths, NullLogger.Instance, logToFiles: false);

        var bad = catalog.Define("poll", "bad", CredentialStore.Empty);
        Assert.Null(bad.Create);
        Assert.Contains("bad.conf", bad.Error);
        Assert.Contains("poll needs a pollUrl", bad.Error);
        Assert.Contains("vip 'not-an-address' is not an IP address", bad.Error);
        Assert.Contains("scheduled_hour '25'", bad.Error);

        var legacy = catalog.Define("poll", "legacy", CredentialStore.Empty);
        Assert.Null(legacy.Error);
        Assert.NotNull(legacy.Create);
    }

    [Fact]
    public async Task A_watch_configuration_is_built_the_same_way_and_announces_to_its_post_broker()
    {
        using var dir = new TempDirectory();
        var watched = dir.File("data/watched");
        Directory.CreateDirectory(watched);
        await using var broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = Ports.Free(), Users = [new("feeder", "secret", "feeder")] }, NullLogger.Instance);
        await broker.StartAsync();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        Directory.CreateDirectory(Path.Combine(paths.ConfigDirectory, "watch"));
        File.WriteAllText(Path.Combine(paths.ConfigDirectory, "watch", "w.conf"), $"post_broker {broker.Url("feeder", "secret")}\npost_exchange xs_w\npost_baseUrl http://pump.example/\npost_baseDir {dir.File("data")}\npath {watched}\n");
        await using var client = Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(broker.Url("feeder", "secret")), NullLogger.Instance);
        await using var consumer = new BrokerInput(
            await client.SubscribeAsync(new SubscriptionOptions { Bindings = [new Binding("xs_w", ["v03"], "#")], QueueName = "q_feeder.watch.check" }, CancellationToken.None),
            NullLogger.Instance);
        var definition = new ConfigCatalog(paths, NullLogger.Instance, logToFiles: false).Define("watch", "w", CredentialStore.Empty);
        Assert.Null(definition.Error);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var flow = await definition.Create!(1, stop.Token);
        var running = flow.RunAsync(stop.Token);
        File.WriteAllText(Path.Combine(watched, "a.txt"), "a\n");

        var received = new List<NotificationMessage>();
        while (received.Count == 0)
        {
            received.AddRange((await consumer.ReceiveAsync(10, TimeSpan.FromSeconds(1), stop.Token)).Select(m => m.Message));
        }

        await stop.CancelAsync();
        await running;
        var m = Assert.Single(received);
        Assert.Equal("watched/a.txt", m.RelPath);
        Assert.Equal("http://pump.example/", m.BaseUrl);
        Assert.Equal("sha512", m.Identity?.Method);
        Assert.Equal("feeder", m.Source);
    }
}
