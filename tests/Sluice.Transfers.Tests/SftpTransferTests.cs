using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Tests.Servers;
using Sluice.Transfers.Sftp;

namespace Sluice.Transfers.Tests;

/// <summary>SftpTransfer and the Receiver against Debian's OpenSSH server on loopback.</summary>
[Collection(ServerCollections.Sshd.Name)]
public sealed class SftpTransferTests(SshdFixture sshd) : IDisposable
{
    private readonly string _destination = TestEnvironment.TempDirectory("sftp-dst");
    private readonly string _dir = "t" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => Directory.Delete(_destination, recursive: true);

    /// <summary>
    /// Connections this process holds open to sshd on 127.0.0.1:<paramref name="port"/> (its own sockets, from
    /// /proc/self/fd and /proc/net/tcp, tcp6). The server's side is not counted: sshd closes its end of a connection
    /// a test has just closed a moment later, so a count of the server's side includes the tests before.
    /// </summary>
    private static int EstablishedTo(int port)
    {
        var ours = Directory.GetFiles("/proc/self/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Where(target => target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => target!["socket:[".Length..^1])
            .ToHashSet(StringComparer.Ordinal);
        // SSH.NET's sockets are dual-mode IPv6 ones: their connections to 127.0.0.1 are listed in tcp6, mapped.
        string[] server = [$"0100007F:{port:X4}", $"0000000000000000FFFF00000100007F:{port:X4}"];
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.SelectMany(table => File.ReadLines(table).Skip(1))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => server.Contains(f[2]) && f[3] == "01" && ours.Contains(f[9]));
    }

    [Theory]
    [InlineData("empty", 0L)]
    [InlineData("small.txt", 4096L)]
    [InlineData("name with spaces.grib2", 100_000L)]
    [InlineData("données été ✓ 雨.bin", 65_537L)]
    [InlineData("large.bin", 32L * 1024 * 1024)]
    public async Task Files_of_any_size_and_name_arrive_intact_with_key_authentication(string name, long size)
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(sshd.Home, _dir, name), size);
        await using var sftp = KeyTransfer();

        var result = await Receiver.ReceiveAsync(sftp, Request(name, size, sum), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Theory]
    [InlineData(0L, null)]
    [InlineData(4096L, null)]
    [InlineData(4096L, 4096L)]
    [InlineData(4096L, 100L)]
    [InlineData(4096L, 1_000_000L)]
    [InlineData(3_000_000L, null)]
    [InlineData(3_000_000L, 3_000_000L)]
    [InlineData(3_000_000L, 1000L)]
    public async Task A_download_reads_the_whole_file_whatever_size_was_announced(long size, long? announced)
    {
        var path = Path.Combine(sshd.Home, _dir, "a.bin");
        TestEnvironment.WriteRandomFile(path, size);
        await using var sftp = KeyTransfer();
        using var received = new MemoryStream();

        var count = await sftp.GetAsync($"{_dir}/a.bin", received, 0, null, announced, CancellationToken.None);

        Assert.Equal(size, count);
        Assert.Equal(await File.ReadAllBytesAsync(path), received.ToArray());
    }

    [Theory]
    [InlineData(1000L, 300_000L)]
    [InlineData(2_999_999L, 1L)]
    [InlineData(1_000_000L, null)]
    public async Task A_byte_range_reads_exactly_that_range(long offset, long? length)
    {
        var path = Path.Combine(sshd.Home, _dir, "r.bin");
        TestEnvironment.WriteRandomFile(path, 3_000_000);
        await using var sftp = KeyTransfer();
        using var received = new MemoryStream();

        await sftp.GetAsync($"{_dir}/r.bin", received, offset, length, 3_000_000, CancellationToken.None);

        var all = await File.ReadAllBytesAsync(path);
        Assert.Equal(all.AsSpan((int)offset, (int)(length ?? (all.Length - offset))).ToArray(), received.ToArray());
    }

    [Fact]
    public async Task Sessions_negotiate_aes_gcm_with_OpenSSH_and_every_other_cipher_stays_offered()
    {
        var before = sshd.Ciphers.Count;
        await using (var sftp = KeyTransfer())
        {
            await sftp.ConnectAsync(CancellationToken.None);
        }

        var deadline = DateTime.UtcNow + Patience.Operation;
        while (sshd.Ciphers.Count == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Contains("cipher: aes128-gcm@openssh.com", sshd.Ciphers.Skip(before).First(), StringComparison.Ordinal);

        var connection = new Renci.SshNet.ConnectionInfo("127.0.0.1", "u", new Renci.SshNet.PasswordAuthenticationMethod("u", "p"));
        var offered = connection.Encryptions.Keys.ToList();
        SftpTransfer.PreferAesGcm(connection);
        Assert.Equal(SftpTransfer.PreferredCiphers, connection.Encryptions.Keys.Take(2));
        Assert.Equal(offered.Order(StringComparer.Ordinal), connection.Encryptions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(offered.Except(SftpTransfer.PreferredCiphers), connection.Encryptions.Keys.Skip(2));
    }

    [Fact]
    public async Task A_256_MiB_file_arrives_intact()
    {
        const long size = 256L * 1024 * 1024;
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(sshd.Home, _dir, "huge.bin"), size);
        await using var sftp = KeyTransfer();

        var result = await Receiver.ReceiveAsync(sftp, Request("huge.bin", size, sum), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
        File.Delete(Path.Combine(sshd.Home, _dir, "huge.bin"));
    }

    [Fact]
    public async Task Concurrent_downloads_over_one_transfer_each_get_a_session_of_their_own_and_arrive_intact()
    {
        var sums = Enumerable.Range(0, 12).Select(i => TestEnvironment.WriteRandomFile(Path.Combine(sshd.Home, _dir, $"c{i}.bin"), 200_000 + i)).ToList();
        await using var sftp = KeyTransfer();

        var results = await Task.WhenAll(sums.Select((sum, i) => Task.Run(() => Receiver.ReceiveAsync(sftp, Request($"c{i}.bin", 200_000 + i, sum), new ReceiveOptions(), CancellationToken.None))));

        Assert.Equal(sums, results.Select(r => TestEnvironment.Sha512Of(r.Path)));
        var sessions = EstablishedTo(new Uri(sshd.Url).Port);
        Assert.InRange(sessions, 2, SftpTransfer.SessionMax);
    }

    [Fact]
    public async Task Password_authentication_works_and_a_wrong_password_is_a_permanent_failure()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(sshd.Home, _dir, "p.bin"), 1000);
        var url = sshd.Url.Replace("@", $":{sshd.Password}@", StringComparison.Ordinal);
        await using (var good = new SftpTransfer(new TransferOptions { Url = url, Timeout = Patience.Operation }))
        {
            var result = await Receiver.ReceiveAsync(good, Request("p.bin", 1000, sum), new ReceiveOptions(), CancellationToken.None);
            Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
        }

        await using var bad = new SftpTransfer(new TransferOptions { Url = sshd.Url.Replace("@", ":wrong-pw@", StringComparison.Ordinal), Timeout = Patience.Operation });
        var e = await Assert.ThrowsAsync<TransferException>(() => bad.ConnectAsync(CancellationToken.None));
        Assert.False(e.IsTransient);
        Assert.DoesNotContain("wrong-pw", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(4096L)]
    [InlineData(20L * 1024 * 1024)]
    public async Task Put_writes_files_of_any_size_intact_and_replaces_an_existing_file(long size)
    {
        var remote = Path.Combine(sshd.Home, _dir, "up.bin");
        await using var sftp = KeyTransfer();
        await sftp.MkdirAsync(_dir, CancellationToken.None);
        foreach (var (length, seed) in new[] { (30L * 1024 * 1024, 2), (size, 1) })
        {
            var local = Path.Combine(_destination, $"up{seed}.bin");
            var sum = TestEnvironment.WriteRandomFile(local, length, seed);
            await using (var source = File.OpenRead(local))
            {
                await sftp.PutAsync(source, $"{_dir}/up.bin", CancellationToken.None);
            }

            Assert.Equal(length, new FileInfo(remote).Length);
            Assert.Equal(sum, TestEnvironment.Sha512Of(remote));
        }
    }

    [Fact]
    public async Task A_put_whose_local_source_fails_closes_the_remote_file_and_the_session_stays_in_use()
    {
        await using var sftp = KeyTransfer();
        await sftp.MkdirAsync(_dir, CancellationToken.None);
        var remote = Path.Combine(sshd.Home, _dir, "broken.bin");

        var e = await Assert.ThrowsAsync<TransferException>(() => sftp.PutAsync(new FailingStream(100_000), $"{_dir}/broken.bin", CancellationToken.None));

        Assert.Contains("the local disk failed", e.Message, StringComparison.Ordinal);
        Assert.Empty(OpenedBy(remote));
        await sftp.PutAsync(new MemoryStream(new byte[10]), $"{_dir}/after.bin", CancellationToken.None);
        Assert.Equal(1, EstablishedTo(new Uri(sshd.Url).Port));
    }

    [Fact]
    public async Task Put_mkdir_rename_symlink_list_and_delete_work_on_the_server()
    {
        await using var sftp = KeyTransfer();
        await sftp.MkdirAsync($"{_dir}/a/b", CancellationToken.None);
        await sftp.PutAsync(new MemoryStream(new byte[777]), $"{_dir}/a/b/x.tmp", CancellationToken.None);
        await sftp.RenameAsync($"{_dir}/a/b/x.tmp", $"{_dir}/a/b/x", CancellationToken.None);
        await sftp.SymlinkAsync("x", $"{_dir}/a/b/link", CancellationToken.None);

        var list = (await sftp.ListAsync($"{_dir}/a/b", CancellationToken.None)).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["link", "x"], list.Select(e => e.Name));
        Assert.NotNull(list[0].LinkTarget);
        Assert.Equal(777, list[1].Size);
        // The target is stored as given: relative to the link's directory.
        Assert.Equal("x", new FileInfo(Path.Combine(sshd.Home, _dir, "a/b/link")).LinkTarget);

        // Removing the link removes the link, not the file it points to.
        await sftp.DeleteAsync($"{_dir}/a/b/link", CancellationToken.None);
        Assert.False(Path.Exists(Path.Combine(sshd.Home, _dir, "a/b/link")));
        Assert.Equal(777, new FileInfo(Path.Combine(sshd.Home, _dir, "a/b/x")).Length);

        await sftp.DeleteAsync($"{_dir}/a/b/x", CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(sshd.Home, _dir, "a/b/x")));
        var missing = await Assert.ThrowsAsync<TransferException>(() => sftp.GetAsync($"{_dir}/a/b/x", Stream.Null, 0, null, CancellationToken.None));
        Assert.False(missing.IsTransient);
    }

    [Fact]
    public async Task A_server_that_dies_mid_transfer_leaves_nothing_under_the_final_name_and_a_retry_resumes()
    {
        const long size = 128L * 1024 * 1024;
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(sshd.Home, _dir, "dying.bin"), size);
        var inflight = Path.Combine(_destination, "dying.bin.tmp");
        await using var sftp = KeyTransfer();
        // Held to 16 MiB/s, so that the server dies mid-file (unheld, the file can be in before it is stopped).
        var held = new ReceiveOptions { RateLimit = new ByteRateLimiter(16L * 1024 * 1024) };
        var receiving = Receiver.ReceiveAsync(sftp, Request("dying.bin", size, sum), held, CancellationToken.None);
        while (!File.Exists(inflight) || new FileInfo(inflight).Length < 1024 * 1024)
        {
            Assert.False(receiving.IsCompleted, "the download ended before the server could be stopped");
            await Task.Delay(1);
        }

        await sshd.KillAsync();
        try
        {
            var e = await Assert.ThrowsAsync<TransferException>(() => receiving);
            Assert.True(e.IsTransient);
            Assert.False(File.Exists(Path.Combine(_destination, "dying.bin")));
            Assert.InRange(new FileInfo(inflight).Length, 1, size - 1);
        }
        finally
        {
            await sshd.StartAsync();
        }

        var result = await Receiver.ReceiveAsync(sftp, Request("dying.bin", size, sum), new ReceiveOptions(), CancellationToken.None);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
        File.Delete(Path.Combine(sshd.Home, _dir, "dying.bin"));
    }

    [Theory]
    [InlineData("huge", "the server sent an sftp packet of 2147483647 bytes")]
    [InlineData("wrong", "the server answered sftp's first packet with type 101")]
    [InlineData("silent", "no answer from the server for 2 s")]
    public async Task A_server_that_breaks_the_sftp_protocol_fails_with_an_error_that_says_how(string mode, string expected)
    {
        sshd.BogusMode = mode;
        await using var sftp = new SftpTransfer(new TransferOptions { Url = sshd.BogusUrl, SshKeyFile = sshd.ClientKey, Timeout = TimeSpan.FromSeconds(2) });

        var e = await Assert.ThrowsAsync<TransferException>(() => sftp.ConnectAsync(CancellationToken.None));

        Assert.True(e.IsTransient);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("overlong", "1000000 bytes in answer to a read of 4096")]
    [InlineData("stranger", "an answer to no request (id 9)")]
    public async Task A_server_that_answers_reads_out_of_step_fails_the_download_with_an_error_that_says_how(string mode, string expected)
    {
        sshd.BogusMode = mode;
        await using var sftp = new SftpTransfer(new TransferOptions { Url = sshd.BogusUrl, SshKeyFile = sshd.ClientKey, Timeout = TimeSpan.FromSeconds(2) });
        using var received = new MemoryStream();

        var e = await Assert.ThrowsAsync<TransferException>(() => sftp.GetAsync("f", received, 0, null, 4096, CancellationToken.None));

        Assert.True(e.IsTransient);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, received.Length);
    }

    [Fact]
    public void The_sftp_adapter_registers_its_scheme()
    {
        var registry = TransferRegistry.CreateDefault();
        SftpTransfer.Register(registry);
        Assert.IsType<SftpTransfer>(registry.Create(new TransferOptions { Url = sshd.Url, SshKeyFile = sshd.ClientKey }));
    }

    /// <summary>The processes (the server's sftp session among them) that hold <paramref name="path"/> open.</summary>
    private static List<string> OpenedBy(string path) =>
        [.. Directory.EnumerateDirectories("/proc").Where(p => int.TryParse(Path.GetFileName(p), out _)).Where(p =>
        {
            try
            {
                return Directory.EnumerateFileSystemEntries(Path.Combine(p, "fd")).Any(fd => new FileInfo(fd).LinkTarget == path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false; // the process ended meanwhile
            }
        })];

    /// <summary>A source that gives <paramref name="good"/> bytes and then fails as a broken local disk would.</summary>
    private sealed class FailingStream(long good) : MemoryStream(new byte[good])
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position < Length ? base.ReadAsync(buffer, cancellationToken) : throw new IOException("the local disk failed");
    }

    private SftpTransfer KeyTransfer() =>
        new(new TransferOptions { Url = sshd.Url, SshKeyFile = sshd.ClientKey, Timeout = Patience.Operation });

    private ReceiveRequest Request(string name, long size, string sum) =>
        new() { RemotePath = $"{_dir}/{name}", Directory = _destination, RelPath = name, ExpectedSize = size, Identity = new ExpectedIdentity("sha512", sum) };
}
