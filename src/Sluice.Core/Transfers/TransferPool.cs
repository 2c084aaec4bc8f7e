using System.Collections.Concurrent;

namespace Sluice.Core.Transfers;

/// <summary>
/// Connections to servers, reused across messages: each worker rents one for the work on a message and gives it
/// back, so no connection is used by two workers at once (see <see cref="ITransfer"/>) and a flow holds at most as
/// many per server as it has workers.
/// </summary>
internal sealed class TransferPool(TransferRegistry registry, Func<string, TransferOptions> serverOptions) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<ITransfer>> _idle = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<ITransfer> _all = [];

    /// <summary>A connection to the server of <paramref name="url"/> (scheme, authority and path), idle or new.</summary>
    /// <exception cref="TransferException">The URL is not absolute or its scheme has no transfer.</exception>
    public Lease Rent(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new TransferException(url, "not an absolute URL", isTransient: false);
        }

        var key = uri.GetLeftPart(UriPartial.Authority) + uri.AbsolutePath;
        var idle = _idle.GetOrAdd(key, _ => []);
        if (!idle.TryTake(out var transfer))
        {
            transfer = registry.Create(serverOptions(url));
            _all.Add(transfer);
        }

        return new Lease(transfer, idle);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var transfer in _all)
        {
            await transfer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A rented connection; disposing gives it back.</summary>
    public readonly struct Lease(ITransfer transfer, ConcurrentBag<ITransfer> idle) : IDisposable
    {
        public ITransfer Transfer => transfer;

        public void Dispose() => idle.Add(transfer);
    }
}
