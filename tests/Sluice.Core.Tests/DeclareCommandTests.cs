using Sluice.Cli;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

[Collection("RabbitMQ")]
public class DeclareCommandTests(RabbitMqServer rabbit)
{
    [Fact]
    public async Task Declare_creates_the_queue_bindings_and_post_exchange_and_cleanup_removes_the_queue()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("config/sarra"));
        var id = Guid.NewGuid().ToString("N")[..6];
        File.WriteAllText(dir.File("config/sarra/d.conf"),
            $"broker {rabbit.Url}\nexchange xs_src{id}\nsubtopic obs.#\nqueueName q_guest.sarra.d.{id}\npost_broker {rabbit.Url}\npost_exchange xpub{id}\ndirectory {dir.File("data")}\n");
        Environment.SetEnvironmentVariable("SLUICE_CONFIG_DIR", dir.File("config"));
        Environment.SetEnvironmentVariable("SLUICE_STATE_DIR", dir.File("state"));
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            Assert.True(SluiceCommand.Run(["declare", "sarra/d"], output, error, () => Stream.Null) == 0, error.ToString());
            Assert.Contains($"queue q_guest.sarra.d.{id} declared", output.ToString());
            Assert.DoesNotContain("guest:guest", output.ToString());

            var exchanges = await rabbit.RunCtlAsync("list_exchanges", "name");
            Assert.Contains($"xs_src{id}", exchanges);
            Assert.Contains($"xpub{id}", exchanges);
            var bindings = await rabbit.RunCtlAsync("list_bindings", "source_name", "destination_name", "routing_key");
            Assert.Contains($"xs_src{id}\tq_guest.sarra.d.{id}\tv03.obs.#", bindings);

            Assert.Equal(0, SluiceCommand.Run(["cleanup", "sarra/d"], output, error, () => Stream.Null));
            Assert.DoesNotContain($"q_guest.sarra.d.{id}", await rabbit.RunCtlAsync("list_queues", "name"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SLUICE_CONFIG_DIR", null);
            Environment.SetEnvironmentVariable("SLUICE_STATE_DIR", null);
        }
    }
}
