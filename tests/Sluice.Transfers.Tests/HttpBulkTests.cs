using System.Net;
using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Tests.Servers;

namespace Sluice.Transfers.Tests;

/// <summary>
/// HttpTransfer's path for large files (a thread and a blocking connection of their own), taken here for every size
/// (<c>BulkAbove = 0</c>), against the pump's Kestrel data server on loopback. Resume, TLS and a server that stops
/// answering are tried on both paths in HttpTransferTests.
/// </summary>
[Collection(DataServerCollection.Name)]
public sealed class HttpBulkTests(DataServerFixture server) : IDisposable
{
    private readonly string _destination = TestEnvironment.TempDirectory("http-bulk");
    private readonly string _dir = "b" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => Directory.Delete(_destination, recursive: true);

    [Theory]
    [InlineData("empty", 0L)]
    [InlineData("small.txt", 4096L)]
    [InlineData("données été ✓ 雨.bin", 65_537L)]
    [InlineData("large.bin", 32L * 1024 * 1024)]
    public async Task Files_arrive_intact_written_from_a_thread_of_their_own(string name, long size)
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, name), size);
        await using var http = Bulk(server.Http.BaseUrl);
        var target = Path.Combine(_destination, name);
        var recording = new ThreadRecorder(File.Create(target));
        await using (recording)
        {
            Assert.Equal(size, await http.GetAsync($"{_dir}/{name}", recording, 0, null, size, CancellationToken.None));
        }

        Assert.Equal(sum, TestEnvironment.Sha512Of(target));
        Assert.False(recording.FromThreadPool, "a large download's data was written from a thread-pool thread");
    }

    [Fact]
    public async Task A_file_announced_below_the_threshold_shares_the_pooled_connections()
    {
        TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "s.bin"), 10_000);
        await using var http = new HttpTransfer(new TransferOptions { Url = server.Http.BaseUrl, Timeout = Patience.Operation });
        var recording = new ThreadRecorder(new MemoryStream());
        await using (recording)
        {
            Assert.Equal(10_000, await http.GetAsync($"{_dir}/s.bin", recording, 0, null, 10_000, CancellationToken.None));
        }

        Assert.True(recording.FromThreadPool);
    }

    [Fact]
    public async Task A_stop_request_interrupts_a_read_blocked_on_a_stalled_server_at_once_and_leaves_nothing_under_the_final_name()
    {
        // A server that sends the headers and the first MiB of 10 MiB, then nothing (and keeps the connection open).
        using var stalling = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        stalling.Start();
        var port = ((IPEndPoint)stalling.LocalEndpoint).Port;
        using var serverStop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            using var client = await stalling.AcceptTcpClientAsync(serverStop.Token);
            var stream = client.GetStream();
            var buffer = new byte[8192];
            _ = await stream.ReadAsync(buffer, serverStop.Token); // the request (one read is enough on loopback)
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n"u8.ToArray(), serverStop.Token);
            await stream.WriteAsync(new byte[1024 * 1024], serverStop.Token);
            await Task.Delay(Timeout.Infinite, serverStop.Token);
        });
        await using var http = new HttpTransfer(new TransferOptions { Url = $"http://127.0.0.1:{port}/", Timeout = TimeSpan.FromMinutes(10) }) { BulkAbove = 0 };
        using var stop = new CancellationTokenSource();
        var inflight = Path.Combine(_destination, "stalled.bin.tmp");
        var receiving = Receiver.ReceiveAsync(http, new ReceiveRequest { RemotePath = "stalled.bin", Directory = _destination, RelPath = "stalled.bin", ExpectedSize = 10485760 }, new ReceiveOptions(), stop.Token);
        while (!File.Exists(inflight) || new FileInfo(inflight).Length < 1024 * 1024)
        {
            Assert.False(receiving.IsCompleted, "the download ended before the server stalled");
            await Task.Delay(10);
        }

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receiving.WaitAsync(Patience.Operation));
        Assert.False(File.Exists(Path.Combine(_destination, "stalled.bin")));
        await serverStop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
    }

    private static HttpTransfer Bulk(string url) =>
        new(new TransferOptions { Url = url, Timeout = Patience.Operation }) { BulkAbove = 0 };

    private ReceiveRequest Request(string name, long size, string sum) =>
        new() { RemotePath = $"{_dir}/{name}", Directory = _destination, RelPath = name, ExpectedSize = size, Identity = new ExpectedIdentity("sha512", sum) };

    /// <summary>A write-only stream that remembers whether any write came from a thread-pool thread.</summary>
    private sealed class ThreadRecorder(Stream inner) : Stream
    {
        public bool FromThreadPool { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            FromThreadPool |= Thread.CurrentThread.IsThreadPoolThread;
            inner.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            FromThreadPool |= Thread.CurrentThread.IsThreadPoolThread;
            inner.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
