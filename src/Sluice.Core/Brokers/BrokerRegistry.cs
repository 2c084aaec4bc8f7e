using Microsoft.Extensions.Logging;

namespace Sluice.Core.Brokers;

/// <summary>
/// Broker adapters by URL scheme (amqp, amqps, mqtt, mqtts, ...). Adapters register themselves; Core never
/// references them.
/// </summary>
public static class BrokerRegistry
{
    private static readonly Dictionary<string, Func<BrokerUrl, ILogger, TimeProvider, IBroker>> Factories = new(StringComparer.OrdinalIgnoreCase);

    public static void Register(string scheme, Func<BrokerUrl, ILogger, TimeProvider, IBroker> factory)
    {
        lock (Factories)
        {
            Factories[scheme] = factory;
        }
    }

    /// <summary>A broker for the URL.</summary>
    /// <exception cref="BrokerException">No adapter for the URL's scheme.</exception>
    public static IBroker Create(BrokerUrl url, ILogger logger, TimeProvider? time = null)
    {
        Func<BrokerUrl, ILogger, TimeProvider, IBroker>? factory;
        lock (Factories)
        {
            Factories.TryGetValue(url.Scheme, out factory);
        }

        return factory is null
            ? throw new BrokerException(url, $"no broker adapter for '{url.Scheme}' (known: {string.Join(", ", Factories.Keys.Order())})")
            : factory(url, logger, time ?? TimeProvider.System);
    }
}
