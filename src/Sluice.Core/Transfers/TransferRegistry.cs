using System.Collections.Concurrent;

namespace Sluice.Core.Transfers;

/// <summary>
/// Chooses an <see cref="ITransfer"/> implementation by URL scheme. <see cref="CreateDefault"/> has Core's own
/// (file, http, https); adapters (sftp, ftp, ftps) register themselves in the registry they are given (the daemon's
/// <c>Adapters.Create()</c>), so Core never references them.
/// </summary>
public sealed class TransferRegistry
{
    private readonly ConcurrentDictionary<string, Func<TransferOptions, ITransfer>> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A new registry with Core's own schemes: file, http, https.</summary>
    public static TransferRegistry CreateDefault()
    {
        var registry = new TransferRegistry();
        registry.Register("file", o => new FileTransfer(o));
        registry.Register("http", o => new HttpTransfer(o));
        registry.Register("https", o => new HttpTransfer(o));
        return registry;
    }

    public void Register(string scheme, Func<TransferOptions, ITransfer> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(scheme);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[scheme] = factory;
    }

    public bool Supports(string scheme) => _factories.ContainsKey(scheme);

    public IReadOnlyCollection<string> Schemes => [.. _factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Creates (does not connect) a transfer for <see cref="TransferOptions.Url"/>.</summary>
    public ITransfer Create(TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var colon = options.Url.IndexOf("://", StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new TransferException(options.Url, "not a URL (expected scheme://...)", isTransient: false);
        }

        var scheme = options.Url[..colon];
        if (!_factories.TryGetValue(scheme, out var factory))
        {
            throw new TransferException(options.Url, $"no transfer protocol registered for scheme '{scheme}' (known: {string.Join(", ", Schemes)})", isTransient: false);
        }

        return factory(options);
    }
}
