using System.Net;
using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Daemon.DataServer;
using Sluice.Tests.Servers;

namespace Sluice.Transfers.Tests;

/// <summary>HttpTransfer and the Receiver against the pump's Kestrel data server on loopback.</summary>
[Collection(DataServerCollection.Name)]
public sealed class HttpTransferTests(DataServerFixture server) : IDisposable
{
    private readonly string _destination = TestEnvironment.TempDirectory("http-dst");
    private readonly string _dir = "t" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => Directory.Delete(_destination, recursive: true);

    [Theory]
    [InlineData("empty", 0L)]
    [InlineData("small.txt", 4096L)]
    [InlineData("name with spaces.grib2", 100_000L)]
    [InlineData("données été ✓ 雨.bin", 65_537L)]
    [InlineData("large.bin", 32L * 1024 * 1024)]
    public async Task Files_of_any_size_and_name_arrive_intact(string name, long size)
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, name), size);
        await using var http = Transfer(server.Http);

        var result = await Receiver.ReceiveAsync(http, Request(name, size, sum), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(size, new FileInfo(result.Path).Length);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Fact]
    public async Task A_256_MiB_file_arrives_intact()
    {
        const long size = 256L * 1024 * 1024;
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "huge.bin"), size);
        await using var http = Transfer(server.Http);

        var result = await Receiver.ReceiveAsync(http, Request("huge.bin", size, sum), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
        File.Delete(Path.Combine(server.Root, _dir, "huge.bin"));
    }

    [Fact]
    public async Task A_large_bufSize_is_copied_in_buffers_no_larger_than_the_cap()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "capped.bin"), 3L * 1024 * 1024);
        await using var http = new HttpTransfer(new TransferOptions { Url = server.Http.BaseUrl, Timeout = Patience.Operation, BufSize = 4 * 1024 * 1024 });
        var target = Path.Combine(_destination, "capped.bin");
        var recording = new WriteSizeRecorder(File.Create(target));
        await using (recording)
        {
            var n = await http.GetAsync($"{_dir}/capped.bin", recording, 0, null, CancellationToken.None);
            Assert.Equal(3L * 1024 * 1024, n);
        }

        Assert.InRange(recording.Largest, 1, OperationTimeout.BufferMax);
        Assert.Equal(sum, TestEnvironment.Sha512Of(target));
    }

    [Fact]
    public async Task A_byte_range_returns_exactly_those_bytes()
    {
        TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "r.bin"), 10_000);
        var all = await File.ReadAllBytesAsync(Path.Combine(server.Root, _dir, "r.bin"));
        await using var http = Transfer(server.Http);
        using var buffer = new MemoryStream();

        var n = await http.GetAsync($"{_dir}/r.bin", buffer, 1000, 500, CancellationToken.None);

        Assert.Equal(500, n);
        Assert.Equal(all.AsSpan(1000, 500).ToArray(), buffer.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_partial_download_resumes_with_a_range_request(bool bulk)
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "resume.bin"), 4_000_000);
        var original = await File.ReadAllBytesAsync(Path.Combine(server.Root, _dir, "resume.bin"));
        await File.WriteAllBytesAsync(Path.Combine(_destination, "resume.bin.tmp"), original.AsSpan(0, 1_500_000).ToArray());
        // Zero the served file's first part: only a resumed (ranged) download rebuilds the original.
        await using (var served = new FileStream(Path.Combine(server.Root, _dir, "resume.bin"), FileMode.Open, FileAccess.Write))
        {
            await served.WriteAsync(new byte[1_500_000]);
        }

        await using var http = Transfer(server.Http, bulk);
        var result = await Receiver.ReceiveAsync(http, Request("resume.bin", 4_000_000, sum), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(1, result.Attempts);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Fact]
    public async Task A_server_that_dies_mid_transfer_leaves_nothing_under_the_final_name_and_a_retry_resumes()
    {
        const long size = 256L * 1024 * 1024;
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "dying.bin"), size);
        var dying = new DataServer(new DataServerOptions { Root = server.Root, Port = 0 });
        await dying.StartAsync(CancellationToken.None);
        var port = dying.Port;
        var inflight = Path.Combine(_destination, "dying.bin.tmp");
        var options = new TransferOptions { Url = dying.BaseUrl, Timeout = Patience.Operation, BufSize = 16 * 1024 };
        await using (var http = new HttpTransfer(options))
        {
            // Held to 16 MiB/s, so that the server dies mid-file (unheld, the file can be in before it is stopped).
            var held = new ReceiveOptions { RateLimit = new ByteRateLimiter(16L * 1024 * 1024) };
            var receiving = Receiver.ReceiveAsync(http, Request("dying.bin", size, sum), held, CancellationToken.None);
            while (!File.Exists(inflight) || new FileInfo(inflight).Length < 1024 * 1024)
            {
                Assert.False(receiving.IsCompleted, "the download ended before the server could be stopped");
                await Task.Delay(1);
            }

            using (var now = new CancellationTokenSource())
            {
                await now.CancelAsync();
                await dying.StopAsync(now.Token); // aborts open connections
            }

            var e = await Assert.ThrowsAsync<TransferException>(() => receiving);
            Assert.True(e.IsTransient);
        }

        Assert.False(File.Exists(Path.Combine(_destination, "dying.bin")));
        var partial = new FileInfo(inflight).Length;
        Assert.InRange(partial, 1, size - 1);

        var again = new DataServer(new DataServerOptions { Root = server.Root, Port = port });
        await again.StartAsync(CancellationToken.None);
        await using (again)
        await using (var http = new HttpTransfer(options))
        {
            var result = await Receiver.ReceiveAsync(http, Request("dying.bin", size, sum), new ReceiveOptions(), CancellationToken.None);
            Assert.Equal(1, result.Attempts);
            Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
        }

        File.Delete(Path.Combine(server.Root, _dir, "dying.bin"));
    }

    [Fact]
    public async Task The_directory_index_lists_names_sizes_times_and_subdirectories()
    {
        TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "a b.txt"), 1234);
        TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "é.bin"), 0);
        Directory.CreateDirectory(Path.Combine(server.Root, _dir, "sub"));
        await using var http = Transfer(server.Http);

        var list = (await http.ListAsync(_dir, CancellationToken.None)).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(["a b.txt", "sub", "é.bin"], list.Select(e => e.Name));
        Assert.Equal(1234, list[0].Size);
        Assert.True(list[1].IsDirectory);
        Assert.Equal(0, list[2].Size);
        Assert.Equal(DateTime.UtcNow.Date, list[0].ModifiedTime!.Value.UtcDateTime.Date);
    }

    [Fact]
    public async Task Files_carry_ETag_and_Last_Modified_and_revalidate_with_304()
    {
        TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "e.bin"), 10);
        using var client = new HttpClient();
        using var first = await client.GetAsync(new Uri(server.Http.BaseUrl + _dir + "/e.bin"));
        Assert.NotNull(first.Headers.ETag);
        Assert.NotNull(first.Content.Headers.LastModified);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.Http.BaseUrl + _dir + "/e.bin"));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag);
        using var second = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Fact]
    public async Task Symbolic_links_leading_outside_the_served_tree_are_refused()
    {
        var outside = TestEnvironment.TempDirectory("secret");
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), "secret");
        Directory.CreateDirectory(Path.Combine(server.Root, _dir));
        Directory.CreateSymbolicLink(Path.Combine(server.Root, _dir, "escape"), outside);
        File.CreateSymbolicLink(Path.Combine(server.Root, _dir, "leak.txt"), Path.Combine(outside, "secret.txt"));
        using var client = new HttpClient();

        foreach (var path in new[] { "escape/secret.txt", "leak.txt", "escape/" })
        {
            using var response = await client.GetAsync(new Uri(server.Http.BaseUrl + _dir + "/" + path));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using var dotdot = await client.GetAsync(new Uri(server.Http.BaseUrl + _dir + "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"));
        Assert.NotEqual(HttpStatusCode.OK, dotdot.StatusCode);
        Directory.Delete(outside, recursive: true);
    }

    [Fact]
    public async Task A_private_tree_needs_the_right_user_and_password()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "p.bin"), 1000);
        var anonymous = new HttpTransfer(new TransferOptions { Url = server.Private.BaseUrl, Timeout = Patience.Operation });
        await using (anonymous)
        {
            var e = await Assert.ThrowsAsync<TransferException>(() => anonymous.GetAsync($"{_dir}/p.bin", Stream.Null, 0, null, CancellationToken.None));
            Assert.False(e.IsTransient);
            Assert.Contains("401", e.Message, StringComparison.Ordinal);
        }

        var wrong = new HttpTransfer(new TransferOptions { Url = server.Private.BaseUrl.Replace("http://", "http://anne:nope@", StringComparison.Ordinal) });
        await using (wrong)
        {
            var e = await Assert.ThrowsAsync<TransferException>(() => wrong.GetAsync($"{_dir}/p.bin", Stream.Null, 0, null, CancellationToken.None));
            Assert.DoesNotContain("nope", e.Message, StringComparison.Ordinal);
        }

        var url = server.Private.BaseUrl.Replace("http://", "http://anne:s3cr%3Aet@", StringComparison.Ordinal);
        await using var anne = new HttpTransfer(new TransferOptions { Url = url });
        var result = await Receiver.ReceiveAsync(anne, Request("p.bin", 1000, sum), new ReceiveOptions(), CancellationToken.None);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Fact]
    public async Task A_bearer_token_opens_a_private_tree_and_a_wrong_one_does_not()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "b.bin"), 1000);
        await using (var wrong = new HttpTransfer(new TransferOptions { Url = server.Private.BaseUrl, BearerToken = "nope" }))
        {
            var e = await Assert.ThrowsAsync<TransferException>(() => wrong.GetAsync($"{_dir}/b.bin", Stream.Null, 0, null, CancellationToken.None));
            Assert.Contains("401", e.Message, StringComparison.Ordinal);
        }

        await using var right = new HttpTransfer(new TransferOptions { Url = server.Private.BaseUrl, BearerToken = server.BearerToken });
        var result = await Receiver.ReceiveAsync(right, Request("b.bin", 1000, sum), new ReceiveOptions(), CancellationToken.None);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_self_signed_certificate_is_refused_by_default_and_accepted_with_tlsRigour_lax(bool bulk)
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "tls.bin"), 5000);
        Assert.StartsWith("https://", server.Https.BaseUrl, StringComparison.Ordinal);
        await using (var medium = new HttpTransfer(new TransferOptions { Url = server.Https.BaseUrl, Timeout = Patience.Operation }) { BulkAbove = BulkAbove(bulk) })
        {
            var e = await Assert.ThrowsAsync<TransferException>(() => Receiver.ReceiveAsync(medium, Request("tls.bin", 5000, sum), new ReceiveOptions(), CancellationToken.None));
            Assert.False(e.IsTransient);
        }

        Assert.False(File.Exists(Path.Combine(_destination, "tls.bin")));
        await using var lax = new HttpTransfer(new TransferOptions { Url = server.Https.BaseUrl, TlsRigour = TlsRigour.Lax, Timeout = Patience.Operation }) { BulkAbove = BulkAbove(bulk) };
        var result = await Receiver.ReceiveAsync(lax, Request("tls.bin", 5000, sum), new ReceiveOptions(), CancellationToken.None);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Fact]
    public async Task A_missing_file_is_a_permanent_failure_and_an_unreachable_server_a_transient_one()
    {
        await using var http = Transfer(server.Http);
        var missing = await Assert.ThrowsAsync<TransferException>(() => http.GetAsync("no/such/file", Stream.Null, 0, null, CancellationToken.None));
        Assert.False(missing.IsTransient);

        await using var nowhere = new HttpTransfer(new TransferOptions { Url = "http://127.0.0.1:1/", Timeout = Patience.Operation });
        var down = await Assert.ThrowsAsync<TransferException>(() => nowhere.GetAsync("f", Stream.Null, 0, null, CancellationToken.None));
        Assert.True(down.IsTransient);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_that_stops_answering_times_out_as_a_transient_failure(bool bulk)
    {
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var http = new HttpTransfer(new TransferOptions { Url = $"http://127.0.0.1:{port}/", Timeout = Patience.Stall }) { BulkAbove = BulkAbove(bulk) };

        var e = await Assert.ThrowsAsync<TransferException>(() => http.GetAsync("f", Stream.Null, 0, null, 1, CancellationToken.None));

        Assert.True(e.IsTransient);
        Assert.Contains("timed out", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_registry_chooses_the_transfer_by_scheme()
    {
        var registry = TransferRegistry.CreateDefault();
        Assert.IsType<HttpTransfer>(registry.Create(new TransferOptions { Url = "https://example.org/" }));
        Assert.IsType<FileTransfer>(registry.Create(new TransferOptions { Url = "file:///var/data" }));
        var e = Assert.Throws<TransferException>(() => registry.Create(new TransferOptions { Url = "gopher://bob:pw@host/" }));
        Assert.Contains("gopher", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A file stream that remembers the largest write it was given.</summary>
    private sealed class WriteSizeRecorder(FileStream inner) : Stream
    {
        public int Largest { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Largest = Math.Max(Largest, buffer.Length);
            inner.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A transfer from <paramref name="which"/>; <paramref name="bulk"/> fetches every size (true) or none (false) as large files are fetched, null as usual.</summary>
    private static HttpTransfer Transfer(DataServer which, bool? bulk = null) =>
        new(new TransferOptions { Url = which.BaseUrl, Timeout = Patience.Operation }) { BulkAbove = BulkAbove(bulk) };

    /// <summary>The threshold for a large file's path: every size (true), none (false), or the usual one (null).</summary>
    private static long BulkAbove(bool? bulk) => bulk switch { true => 0, false => long.MaxValue, null => HttpTransfer.DefaultBulkAbove };

    private ReceiveRequest Request(string name, long size, string sum) =>
        new() { RemotePath = $"{_dir}/{name}", Directory = _destination, RelPath = name, ExpectedSize = size, Identity = new ExpectedIdentity("sha512", sum) };
}
