using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sluice.Cli;
using Sluice.Core.Config;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

[Collection("RabbitMQ")]
public class DeclareCommandTests(RabbitMqServer rabbit)
{
    [Fact]
    public async Task Declare_creates_the_queue_bindings_and_post_exchange_and_cleanup_removes_the_queue()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        Directory.CreateDirectory(dir.File("config/sarra"));
        var id = Guid.NewGuid().ToString("N")[..6];
        File.WriteAllText(dir.File("config/sarra/d.conf"),
            $"broker {rabbit.Url}\nexchange xs_src{id}\nsubtopic obs.#\nqueueName q_guest.sarra.d.{id}\npost_broker {rabbit.Url}\npost_exchange xpub{id}\ndirectory {dir.File("data")}\n");
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.True(SluiceCommand.Run(["declare", "sarra/d"], output, error, () => Stream.Null, paths) == 0, error.ToString());
        Assert.Contains($"queue q_guest.sarra.d.{id} declared", output.ToString());
        Assert.DoesNotContain("guest:guest", output.ToString());

        var exchanges = await rabbit.RunCtlAsync("list_exchanges", "name");
        Assert.Contains($"xs_src{id}", exchanges);
        Assert.Contains($"xpub{id}", exchanges);
        var bindings = await rabbit.RunCtlAsync("list_bindings", "source_name", "destination_name", "routing_key");
        Assert.Contains($"xs_src{id}\tq_guest.sarra.d.{id}\tv03.obs.#", bindings);

        Assert.Equal(0, SluiceCommand.Run(["cleanup", "sarra/d"], output, error, () => Stream.Null, paths));
        Assert.DoesNotContain($"q_guest.sarra.d.{id}", await rabbit.RunCtlAsync("list_queues", "name"));
    }

    [Fact]
    public async Task Declare_users_creates_the_admin_conf_roles_with_sr3_permissions_and_cleanup_users_removes_them()
    {
        await rabbit.EnableManagementAsync();
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var id = Guid.NewGuid().ToString("N")[..6];
        string alice = "alice" + id, carol = "carol" + id, bob = "bob" + id, feeder = "feed" + id, xpublic = $"x{id}public";
        var broker = $"127.0.0.1:{rabbit.Port}";
        Directory.CreateDirectory(dir.File("config"));
        File.WriteAllText(dir.File("config/admin.conf"),
            $"admin amqp://guest@{broker}/\nfeeder amqp://{feeder}@{broker}/\ndeclare source {alice}\ndeclare source {carol}\ndeclare subscriber {bob}\ndeclare exchange {xpublic}\n");
        File.WriteAllText(dir.File("config/credentials.conf"),
            $"amqp://guest:guest@{broker}/\namqp://{alice}:apw@{broker}/\namqp://{carol}:cpw@{broker}/\namqp://{bob}:bpw@{broker}/\namqp://{feeder}:fpw@{broker}/\n");
        File.SetUnixFileMode(dir.File("config/credentials.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var output = new StringWriter();
        var error = new StringWriter();
        var management = $"http://127.0.0.1:{rabbit.ManagementPort}/";
        Assert.True(SluiceCommand.Run(["declare", "--users", "--management", management], output, error, () => Stream.Null, paths) == 0, output + error.ToString());
        Assert.Contains($"user {alice} (source) declared", output.ToString());
        Assert.Contains($"user {bob} (subscriber) declared", output.ToString());
        Assert.Contains($"user {feeder} (feeder) declared", output.ToString());
        Assert.DoesNotContain("apw", output.ToString() + error);

        var permissions = await rabbit.RunCtlAsync("list_permissions");
        Assert.Contains($"{alice}\t^q_{alice}.*|^xs_{alice}.*\t^q_{alice}.*|^xs_{alice}.*|^xr_{alice}$\t^q_{alice}.*|^x[lrs]_{alice}.*|^x.*public$", permissions);
        Assert.Contains($"{bob}\t^q_{bob}.*\t^q_{bob}.*|^xs_{bob}$|^xr_{bob}$\t^q_{bob}.*|^x[lrs]_{bob}.*|^x.*public$", permissions);
        Assert.Contains($"exchange xr_{bob} declared", output.ToString());
        Assert.Contains($"{feeder}\t.*\t.*\t.*", permissions);
        Assert.Contains(xpublic, await rabbit.RunCtlAsync("list_exchanges", "name"));

        // The admin makes carol's exchange, so that a refusal below is about permission and not a missing exchange.
        await using (var guest = await ConnectAsync("guest", "guest"))
        await using (var channel = await guest.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync($"xs_{carol}", ExchangeType.Topic, durable: true);
        }

        // A source logs in, makes and writes its own xs_ exchange, binds its own queue to a public exchange.
        await using (var source = await ConnectAsync(alice, "apw"))
        {
            await using (var channel = await source.CreateChannelAsync())
            {
                await channel.ExchangeDeclareAsync($"xs_{alice}", ExchangeType.Topic, durable: true);
                await channel.QueueDeclareAsync($"q_{alice}.subscribe.t.{id}", durable: true, exclusive: false, autoDelete: true);
                await channel.QueueBindAsync($"q_{alice}.subscribe.t.{id}", xpublic, "v03.#");
            }

            Assert.Equal(200, await PublishAsync(source, $"xs_{alice}"));
            Assert.Equal(403, await PublishAsync(source, $"xs_{carol}"));
            Assert.Equal(403, await PublishAsync(source, xpublic));
        }

        // A subscriber reads public exchanges into its own queues, and writes no one else's exchange.
        await using (var subscriber = await ConnectAsync(bob, "bpw"))
        {
            await using (var channel = await subscriber.CreateChannelAsync())
            {
                await channel.QueueDeclareAsync($"q_{bob}.subscribe.t.{id}", durable: true, exclusive: false, autoDelete: true);
                await channel.QueueBindAsync($"q_{bob}.subscribe.t.{id}", xpublic, "v03.#");
            }

            Assert.Equal(403, await PublishAsync(subscriber, $"xs_{carol}"));
            Assert.Equal(403, await PublishAsync(subscriber, $"xs_{alice}"));
            Assert.Equal(403, await DeclareExchangeAsync(subscriber, $"xs_{bob}_extra"));

            // Its own report exchange it writes; no one else's.
            Assert.Equal(200, await PublishAsync(subscriber, $"xr_{bob}"));
            Assert.Equal(403, await PublishAsync(subscriber, $"xr_{alice}"));
        }

        await using (var source = await ConnectAsync(alice, "apw"))
        {
            Assert.Equal(200, await PublishAsync(source, $"xr_{alice}"));
            Assert.Equal(403, await PublishAsync(source, $"xr_{bob}"));
        }

        // A subscribe flow of bob's with report on: its report of a rejected message reaches xr_bob, where the feeder reads it.
        await using (var feederConnection = await ConnectAsync(feeder, "fpw"))
        await using (var feederChannel = await feederConnection.CreateChannelAsync())
        {
            var reports = $"q_{feeder}.reports.{id}";
            await feederChannel.QueueDeclareAsync(reports, durable: false, exclusive: false, autoDelete: false);
            await feederChannel.QueueBindAsync(reports, $"xr_{bob}", "#");
            var config = Sluice.Core.Config.ConfigLoader.LoadText("subscribe", "r",
                $"broker amqp://{bob}:bpw@{broker}/\nexchange {xpublic}\nsubtopic #\nqueueName q_{bob}.subscribe.r.{id}\nreport on\nreject .*\ndirectory {dir.File("data")}\n");
            var settings = Sluice.Core.Components.ConfigMapping.ToSettings(config, paths, CredentialStore.Empty, 1);
            Assert.Equal($"xr_{bob}", settings.ReportExchange);
            await using var flow = await Sluice.Core.Components.FlowBuilder.BuildAsync(settings, Sluice.Daemon.Adapters.Create(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, null, CancellationToken.None);
            using var stop = new CancellationTokenSource();
            var running = flow.RunAsync(stop.Token);
            await feederChannel.BasicPublishAsync(xpublic, "v03.obs.t", mandatory: false, new BasicProperties(), """{"pubTime":"20260101T000000","baseUrl":"http://h/","relPath":"obs/t.txt"}"""u8.ToArray());

            BasicGetResult? report = null;
            using var patience = new CancellationTokenSource(Patience.Delivery);
            while (report is null && !patience.IsCancellationRequested)
            {
                report = await feederChannel.BasicGetAsync(reports, autoAck: true);
                if (report is null)
                {
                    await Task.Delay(100);
                }
            }

            await stop.CancelAsync();
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }
            Assert.NotNull(report);
            Assert.Contains("\"report\"", System.Text.Encoding.UTF8.GetString(report.Body.Span));
            Assert.Contains("obs/t.txt", System.Text.Encoding.UTF8.GetString(report.Body.Span));
        }

        await Assert.ThrowsAnyAsync<BrokerUnreachableException>(() => ConnectAsync(alice, "wrong"));

        Assert.Equal(0, SluiceCommand.Run(["cleanup", "--users", "--management", management], output, error, () => Stream.Null, paths));
        var users = await rabbit.RunCtlAsync("list_users");
        Assert.DoesNotContain(alice, users);
        Assert.DoesNotContain(bob, users);
        Assert.Contains("guest", users);
    }

    [Fact]
    public void Declare_users_names_a_user_without_a_password_and_needs_an_admin()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        Directory.CreateDirectory(dir.File("config"));
        File.WriteAllText(dir.File("config/admin.conf"), "declare source alice\n");
        var error = new StringWriter();
        Assert.Equal(1, SluiceCommand.Run(["declare", "--users"], new StringWriter(), error, () => Stream.Null, paths));
        Assert.Contains("admin.conf:0: error: --users needs the admin's broker", error.ToString());
    }

    private Task<IConnection> ConnectAsync(string user, string password) =>
        new ConnectionFactory { HostName = "127.0.0.1", Port = rabbit.Port, UserName = user, Password = password, AutomaticRecoveryEnabled = false }.CreateConnectionAsync();

    /// <summary>Publishes one message with confirms: 200 when the broker took it, else the reply code that closed the channel.</summary>
    private static async Task<int> PublishAsync(IConnection connection, string exchange)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            await channel.BasicPublishAsync(exchange, "v03.t", mandatory: false, new BasicProperties(), "{}"u8.ToArray());
            return 200;
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or PublishException)
        {
            return channel.CloseReason?.ReplyCode ?? -1;
        }
    }

    private static async Task<int> DeclareExchangeAsync(IConnection connection, string exchange)
    {
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true);
            return 200;
        }
        catch (OperationInterruptedException ex)
        {
            return ex.ShutdownReason?.ReplyCode ?? -1;
        }
    }
}
