using Sluice.Core.Work;

namespace Sluice.Core.Transfers;

/// <summary>
/// The one owner of a flow instance's transfer connections. Each worker uses a connection for the work on one message
/// and gives it back, so no connection is used by two workers at once (see <see cref="ITransfer"/>), and a server
/// (scheme, host and port) never has more than <c>connectionsMax</c> of them open: the flow's work concurrency. A use
/// beyond that waits for a connection to be given back. A connection whose use failed in a way that may have broken
/// it (lost, timed out, cancelled) is closed rather than given back.
/// </summary>
internal sealed class TransferPool(TransferRegistry registry, Func<string, TransferOptions> serverOptions, int connectionsMax) : IAsyncDisposable
{
    private readonly Dictionary<string, Server> _servers = new(StringComparer.Ordinal);
    private readonly int _connectionsMax = Math.Max(1, connectionsMax);
    private bool _disposed;

    /// <summary>
    /// Runs <paramref name="work"/> with a connection to the server of <paramref name="url"/> (one for its scheme,
    /// authority and path), idle or new, waiting for one to be given back when the server has
    /// <c>connectionsMax</c> in use already.
    /// </summary>
    /// <exception cref="TransferException">The URL is not absolute or its scheme has no transfer.</exception>
    public async Task<T> UseAsync<T>(string url, Func<ITransfer, Task<T>> work, CancellationToken cancellationToken)
    {
        var (server, key) = ServerOf(url);
        await server.Turns.WaitAsync(cancellationToken).ConfigureAwait(false);
        ITransfer transfer;
        try
        {
            transfer = await IdleOrNewAsync(server, key, url).ConfigureAwait(false);
        }
        catch
        {
            server.Turns.Release();
            throw;
        }

        var usable = false;
        try
        {
            var result = await work(transfer).ConfigureAwait(false);
            usable = true;
            return result;
        }
        catch (Exception e) when (LeavesUsable(e))
        {
            usable = true;
            throw;
        }
        finally
        {
            await GiveBackAsync(server, key, transfer, usable).ConfigureAwait(false);
        }
    }

    /// <summary>Makes (does not connect) an idle connection for <paramref name="url"/>, so that a URL no transfer serves fails now.</summary>
    /// <exception cref="TransferException">The URL is not absolute or its scheme has no transfer.</exception>
    public void Prepare(string url)
    {
        var (server, key) = ServerOf(url);
        lock (server)
        {
            if (server.Open < _connectionsMax && !server.Idle.ContainsKey(key))
            {
                server.Idle[key] = new Stack<ITransfer>([registry.Create(serverOptions(url))]);
                server.Open++;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Server> servers;
        lock (_servers)
        {
            Volatile.Write(ref _disposed, true);
            servers = [.. _servers.Values];
        }

        // A connection given back from now on is closed by its user (GiveBackAsync reads _disposed under the same lock).
        var idle = new List<ITransfer>();
        foreach (var server in servers)
        {
            lock (server)
            {
                idle.AddRange(server.Idle.Values.SelectMany(stack => stack));
                server.Idle.Clear();
            }
        }

        foreach (var transfer in idle)
        {
            await transfer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A failure that says nothing against the connection: the server's refusal or answer (not found, permission
    /// denied, an http status), a file that differs from its announcement, a local file's error, a path refused.
    /// </summary>
    private static bool LeavesUsable(Exception failure) =>
        failure is TransferException { IsTransient: false } or TransferException { StatusCode: not null } or TransferVerificationException
            or UnsafePathException or IOException or UnauthorizedAccessException;

    private (Server Server, string Key) ServerOf(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new TransferException(url, "not an absolute URL", isTransient: false);
        }

        var name = $"{uri.Scheme}://{uri.Host}:{uri.Port}";
        lock (_servers)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_servers.TryGetValue(name, out var server))
            {
                server = new Server(_connectionsMax);
                _servers[name] = server;
            }

            return (server, uri.GetLeftPart(UriPartial.Authority) + uri.AbsolutePath);
        }
    }

    /// <summary>
    /// An idle connection for <paramref name="key"/>, or a new one; at the server's limit, an idle connection for
    /// another path of the same server is closed first (the caller holds one of the server's turns, so there is one).
    /// </summary>
    private async Task<ITransfer> IdleOrNewAsync(Server server, string key, string url)
    {
        ITransfer? surplus = null;
        lock (server)
        {
            if (server.Idle.TryGetValue(key, out var same) && same.TryPop(out var idle))
            {
                return idle;
            }

            if (server.Open >= _connectionsMax)
            {
                // The new connection takes its place.
                surplus = server.Idle.Values.First(stack => stack.Count > 0).Pop();
            }
            else
            {
                server.Open++;
            }
        }

        if (surplus is not null)
        {
            await surplus.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            return registry.Create(serverOptions(url));
        }
        catch
        {
            lock (server)
            {
                server.Open--;
            }

            throw;
        }
    }

    private async Task GiveBackAsync(Server server, string key, ITransfer transfer, bool usable)
    {
        bool close;
        lock (server)
        {
            close = !usable || Volatile.Read(ref _disposed);
            if (close)
            {
                server.Open--;
            }
            else if (server.Idle.TryGetValue(key, out var idle))
            {
                idle.Push(transfer);
            }
            else
            {
                server.Idle[key] = new Stack<ITransfer>([transfer]);
            }
        }

        try
        {
            if (close)
            {
                await transfer.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            server.Turns.Release();
        }
    }

    /// <summary>One server's connections: the turns of its users, the idle connections by path, how many are open.</summary>
    private sealed class Server(int connectionsMax)
    {
        public SemaphoreSlim Turns { get; } = new(connectionsMax, connectionsMax);

        public Dictionary<string, Stack<ITransfer>> Idle { get; } = new(StringComparer.Ordinal);

        public int Open { get; set; }
    }
}
