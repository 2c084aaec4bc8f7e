namespace Sluice.Core.Transfers;

/// <summary>Transfers by URL scheme. file and http(s) are built in; sftp and ftp(s) adapters register themselves.</summary>
public static class TransferRegistry
{
    private static readonly Dictionary<string, Func<Uri, TransferOptions, ITransfer>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["file"] = (uri, options) => new FileTransfer(uri, options),
        ["http"] = (uri, options) => new HttpTransfer(uri, options),
        ["https"] = (uri, options) => new HttpTransfer(uri, options),
    };

    public static void Register(string scheme, Func<Uri, TransferOptions, ITransfer> factory)
    {
        lock (Factories)
        {
            Factories[scheme] = factory;
        }
    }

    /// <summary>A transfer for the server of <paramref name="baseUrl"/>.</summary>
    /// <exception cref="TransferException">No transfer for the URL's scheme (not transient).</exception>
    public static ITransfer Create(Uri baseUrl, TransferOptions options)
    {
        Func<Uri, TransferOptions, ITransfer>? factory;
        lock (Factories)
        {
            Factories.TryGetValue(baseUrl.Scheme, out factory);
        }

        return factory is null
            ? throw new TransferException(baseUrl.ToString(), $"no transfer for '{baseUrl.Scheme}' (known: {string.Join(", ", Factories.Keys.Order())})", isTransient: false)
            : factory(baseUrl, options);
    }
}
