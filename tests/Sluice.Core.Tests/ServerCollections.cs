using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

/// <summary>
/// The servers this assembly's test classes share, one each for the run: the classes of a collection run one after
/// another. xunit reads collection definitions from the test assembly only, hence here and not beside the servers.
/// </summary>
public static class ServerCollections
{
    [CollectionDefinition("RabbitMQ")]
    public sealed class RabbitMq : ICollectionFixture<RabbitMqServer>;

    [CollectionDefinition("Mosquitto")]
    public sealed class Mosquitto : ICollectionFixture<MosquittoServer>;
}
