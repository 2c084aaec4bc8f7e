using System.Text.Json.Nodes;
using RabbitMQ.Client;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

/// <summary>What the operator sees at the broker boundary: the user a URL logs in as, and a broker's refusal.</summary>
[Collection("RabbitMQ")]
public class BrokerBoundaryTests(RabbitMqServer rabbit)
{
    [Fact]
    public void Show_prints_the_user_a_broker_url_without_one_logs_in_as()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("config/subscribe"));
        File.WriteAllText(dir.File("config/subscribe/dd_swob.conf"), "broker amqps://dd.weather.gc.ca/\nsubtopic observations.swob-ml.#\ndirectory /tmp/swob\n");
        var (code, output, error) = CliFlowTests.Process(dir.File("config"), dir.File("state"), "show", "subscribe/dd_swob");
        Assert.True(code == 0, error);
        Assert.Contains("broker amqps://anonymous@dd.weather.gc.ca/\n", output);
        Assert.Contains("exchange xpublic\n", output);

        var json = JsonNode.Parse(CliFlowTests.Process(dir.File("config"), dir.File("state"), "show", "subscribe/dd_swob", "--json").Out)!;
        Assert.Equal("amqps://anonymous@dd.weather.gc.ca/", (string?)json["broker"]);
    }

    [Fact]
    public async Task Foreground_of_a_flow_whose_queue_exists_with_another_expire_ends_with_one_line_and_no_stack_trace()
    {
        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..6];
        var queue = $"q_guest.shovel.s.{id}";
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = rabbit.Port, UserName = "guest", Password = "guest", AutomaticRecoveryEnabled = false };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-expires"] = 300_000L });
        }

        Directory.CreateDirectory(dir.File("config/shovel"));
        File.WriteAllText(dir.File("config/shovel/s.conf"),
            $"broker {rabbit.Url}\nexchange amq.topic\nsubtopic #\nqueueName {queue}\nexpire 10m\npost_broker {rabbit.Url}\npost_exchange amq.topic\n");
        var (code, _, error) = CliFlowTests.Process(dir.File("config"), dir.File("state"), "foreground", "shovel/s");

        Assert.NotEqual(0, code);
        var line = $"shovel/s: amqp://guest@127.0.0.1:{rabbit.Port}/: queue {queue} exists with x-expires=300000, this configuration asks 600000: run `sluice cleanup shovel/s` to delete it, or set `expire` to match";
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Count(l => l.Contains(line, StringComparison.Ordinal)) == 1, error);
        Assert.DoesNotContain("Unhandled exception", error);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }
}
