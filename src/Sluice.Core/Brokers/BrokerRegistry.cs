using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sluice.Core.Brokers;

/// <summary>
/// Broker adapters by URL scheme (amqp, amqps, mqtt, mqtts, ...). Core has none of its own: the adapters register
/// themselves in the registry they are given (the daemon's <c>Adapters.Create()</c>), so Core never references them.
/// </summary>
public sealed class BrokerRegistry
{
    private readonly ConcurrentDictionary<string, Func<BrokerUrl, ILogger, TimeProvider, IBroker>> _factories = new(StringComparer.OrdinalIgnoreCase);

    public void Register(string scheme, Func<BrokerUrl, ILogger, TimeProvider, IBroker> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[scheme] = factory;
    }

    public bool Supports(string scheme) => _factories.ContainsKey(scheme);

    public IReadOnlyCollection<string> Schemes => [.. _factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>A broker (not connected) for the URL.</summary>
    /// <exception cref="BrokerException">No adapter for the URL's scheme.</exception>
    public IBroker Create(BrokerUrl url, ILogger logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        return _factories.TryGetValue(url.Scheme, out var factory)
            ? factory(url, logger, time ?? TimeProvider.System)
            : throw new BrokerException(url, $"no broker adapter for '{url.Scheme}' (known: {string.Join(", ", Schemes)})");
    }
}
