using Sluice.Core.Flows;
using Sluice.Core.Messages;
using Sluice.Core.Transfers;
using Sluice.Core.Work;

namespace Sluice.Core.Tests.Transfers;

/// <summary>
/// The transfer pool bounds the connections a flow opens to a server by its work concurrency, hands a given-back
/// connection to the next user, and closes one whose use broke it. Proved with a fake transfer that counts the
/// connections alive and holds each download until the test lets it go.
/// </summary>
public class TransferPoolTests
{
    [Fact]
    public async Task Downloads_beyond_the_concurrency_wait_for_a_connection_instead_of_opening_more()
    {
        using var dir = new TempDirectory();
        var server = new FakeServer();
        await using var work = new DownloadWork(new DownloadOptions { Directory = dir.Path }, transfers: server.Registry, concurrency: 2);

        // Each call runs until it waits: the first two on their download, the other four for a connection.
        var downloads = Enumerable.Range(0, 6).Select(i => work.DoAsync(Message($"f{i}"), CancellationToken.None).AsTask()).ToList();

        Assert.Equal(2, server.Created);
        Assert.Equal(2, server.Alive);
        Assert.Equal(2, server.Downloading);

        server.Finish(6);
        var outcomes = await Task.WhenAll(downloads);

        Assert.All(outcomes, o => Assert.Equal(WorkOutcome.Ok, o));
        Assert.Equal(2, server.Created); // the four waiting used the connections given back
        Assert.Equal(2, server.MostDownloading);
        Assert.All(Enumerable.Range(0, 6), i => Assert.True(File.Exists(dir.File($"f{i}"))));
    }

    [Fact]
    public async Task A_connection_broken_by_its_use_is_closed_and_one_refused_by_the_server_is_used_again()
    {
        using var dir = new TempDirectory();
        var server = new FakeServer();
        await using var work = new DownloadWork(new DownloadOptions { Directory = dir.Path }, transfers: server.Registry, concurrency: 1);
        server.Finish(3);

        server.Failure = new TransferException("fake://server/", "connection lost", isTransient: true);
        Assert.Equal(WorkOutcome.Retry, await work.DoAsync(Message("lost"), CancellationToken.None));
        Assert.Equal(0, server.Alive);

        server.Failure = new TransferException("fake://server/", "HTTP 404", isTransient: false) { IsNotFound = true };
        Assert.Equal(WorkOutcome.Reject, await work.DoAsync(Message("gone"), CancellationToken.None));
        Assert.Equal(1, server.Alive);

        server.Failure = null;
        Assert.Equal(WorkOutcome.Ok, await work.DoAsync(Message("fine"), CancellationToken.None));
        Assert.Equal(2, server.Created); // one for the lost connection, one since
        Assert.Equal(1, server.Alive);
    }

    [Fact]
    public async Task Waiting_for_a_connection_can_be_cancelled_and_the_pool_closes_what_it_opened()
    {
        var server = new FakeServer();
        var pool = new TransferPool(server.Registry, url => new TransferOptions { Url = url }, 1);
        var first = pool.UseAsync("fake://server/", t => t.GetAsync("a", Stream.Null, 0, null, CancellationToken.None), CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var second = pool.UseAsync("fake://server/other/", t => t.GetAsync("b", Stream.Null, 0, null, cancel.Token), cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        server.Finish(1);
        await first;
        await pool.DisposeAsync();

        Assert.Equal(1, server.Created);
        Assert.Equal(0, server.Alive);
    }

    [Fact]
    public async Task Another_path_of_the_same_server_takes_the_place_of_an_idle_connection()
    {
        var server = new FakeServer();
        await using var pool = new TransferPool(server.Registry, url => new TransferOptions { Url = url }, 1);
        server.Finish(2);

        await pool.UseAsync("fake://server/a/", t => t.GetAsync("x", Stream.Null, 0, null, CancellationToken.None), CancellationToken.None);
        await pool.UseAsync("fake://server/b/", t => t.GetAsync("x", Stream.Null, 0, null, CancellationToken.None), CancellationToken.None);

        Assert.Equal(2, server.Created);
        Assert.Equal(1, server.Alive);
    }

    private static FlowMessage Message(string name) =>
        new(new NotificationMessage("20261204T120000", "fake://server/", name) { Size = FakeServer.Content.Length });

    /// <summary>Hands out fake transfers to one server, counting them, and holds their downloads until told.</summary>
    private sealed class FakeServer
    {
        public static readonly byte[] Content = "data"u8.ToArray();
        private readonly SemaphoreSlim _finish = new(0);
        private int _created;
        private int _alive;
        private int _downloading;
        private int _mostDownloading;

        public FakeServer()
        {
            Registry = new TransferRegistry();
            Registry.Register("fake", options => new FakeTransfer(this, options));
        }

        public TransferRegistry Registry { get; }

        public int Created => Volatile.Read(ref _created);

        public int Alive => Volatile.Read(ref _alive);

        public int Downloading => Volatile.Read(ref _downloading);

        public int MostDownloading => Volatile.Read(ref _mostDownloading);

        /// <summary>What the next downloads throw once let go; null: they succeed.</summary>
        public Exception? Failure { get; set; }

        /// <summary>Lets <paramref name="count"/> downloads (waiting or to come) finish.</summary>
        public void Finish(int count) => _finish.Release(count);

        private sealed class FakeTransfer : ITransfer
        {
            private readonly FakeServer _server;
            private int _disposed;

            public FakeTransfer(FakeServer server, TransferOptions options)
            {
                _server = server;
                Options = options;
                Interlocked.Increment(ref server._created);
                Interlocked.Increment(ref server._alive);
            }

            public TransferOptions Options { get; }

            public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

            public Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, CancellationToken cancellationToken) =>
                GetAsync(remotePath, destination, offset, length, null, cancellationToken);

            public async Task<long> GetAsync(string remotePath, Stream destination, long offset, long? length, long? announcedSize, CancellationToken cancellationToken)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
                var now = Interlocked.Increment(ref _server._downloading);
                int most;
                while (now > (most = Volatile.Read(ref _server._mostDownloading)) && Interlocked.CompareExchange(ref _server._mostDownloading, now, most) != most)
                {
                }

                try
                {
                    await _server._finish.WaitAsync(cancellationToken);
                    if (_server.Failure is { } failure)
                    {
                        throw failure;
                    }

                    await destination.WriteAsync(Content, cancellationToken);
                    return Content.Length;
                }
                finally
                {
                    Interlocked.Decrement(ref _server._downloading);
                }
            }

            public Task<IReadOnlyList<RemoteEntry>> ListAsync(string remoteDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task PutAsync(Stream source, string remotePath, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task DeleteAsync(string remotePath, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task RenameAsync(string fromPath, string toPath, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task MkdirAsync(string remoteDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task SymlinkAsync(string target, string linkPath, CancellationToken cancellationToken) => throw new NotSupportedException();

            public ValueTask DisposeAsync()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Interlocked.Decrement(ref _server._alive);
                }

                return ValueTask.CompletedTask;
            }
        }
    }
}
