using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Brokers.Mqtt;
using Sluice.Tests.Servers;

namespace Sluice.Flows.Tests;

[Collection("Mosquitto")]
public class MqttFlowTests(MosquittoServer mosquitto)
{
    [Fact]
    public Task A_tree_goes_post_sarra_subscribe_over_Mosquitto_and_arrives_identical() =>
        Scenarios.PostSarraSubscribeAsync(mosquitto.Url, mosquitto.Url, "v03");

    [Fact]
    public async Task A_tree_goes_through_the_embedded_broker_with_users_and_permissions()
    {
        var port = Ports.Free();
        await using var embedded = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = port, Users = [new PumpUser("feeder", "secret", "feeder")] }, NullLogger.Instance);
        await embedded.StartAsync();
        await Scenarios.PostSarraSubscribeAsync(embedded.Url("feeder", "secret"), embedded.Url("feeder", "secret"), "v03");
    }
}

[Collection("RabbitMQ")]
public class CrossBrokerFlowTests(RabbitMqServer rabbit)
{
    private readonly MosquittoServer _mosquitto = new();

    [Fact]
    public async Task V02_from_RabbitMQ_is_reposted_as_v03_on_MQTT_and_subscribed_there()
    {
        await _mosquitto.InitializeAsync();
        try
        {
            await Scenarios.PostSarraSubscribeAsync(rabbit.Url, _mosquitto.Url, "v03", sourceFormat: "v02");
        }
        finally
        {
            await _mosquitto.DisposeAsync();
        }
    }
}
