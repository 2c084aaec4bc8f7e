using Sluice.Core.Flows;
using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Tests.Servers;
using Sluice.Transfers.Ftp;

namespace Sluice.Transfers.Tests;

/// <summary>The hand-written FtpTransfer against Debian's vsftpd (plain, explicit TLS, implicit FTPS) on loopback.</summary>
[Collection(ServerCollections.Vsftpd.Name)]
public sealed class FtpTransferTests(VsftpdFixture vsftpd) : IDisposable
{
    private readonly string _destination = TestEnvironment.TempDirectory("ftp-dst");
    private readonly string _dir = "t" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => Directory.Delete(_destination, recursive: true);

    [Theory]
    [InlineData("empty", 0L, true)]
    [InlineData("small.txt", 4096L, false)]
    [InlineData("name with spaces.grib2", 100_000L, true)]
    [InlineData("données été ✓ 雨.bin", 65_537L, true)]
    [InlineData("large.bin", 32L * 1024 * 1024, true)]
    [InlineData("active.bin", 3_000_000L, false)]
    public async Task Files_of_any_size_and_name_arrive_intact_in_passive_and_active_mode(string name, long size, bool passive)
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(vsftpd.Home, _dir, name), size);
        await using var ftp = new FtpTransfer(new TransferOptions { Url = vsftpd.Url(vsftpd.PlainPort), Passive = passive, Timeout = Patience.Operation });

        var result = await Receiver.ReceiveAsync(ftp, Request(name, size, sum), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Fact]
    public async Task Explicit_TLS_with_PROT_P_and_implicit_FTPS_transfer_files_when_the_certificate_is_accepted()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(vsftpd.Home, _dir, "tls.bin"), 2_000_000);
        await using (var strict = new FtpTransfer(new TransferOptions { Url = vsftpd.Url(vsftpd.ExplicitPort), Tls = true, Timeout = Patience.Operation }))
        {
            var e = await Assert.ThrowsAsync<TransferException>(() => strict.ConnectAsync(CancellationToken.None));
            Assert.DoesNotContain(vsftpd.Password, e.Message, StringComparison.Ordinal);
        }

        await using (var explicitTls = new FtpTransfer(new TransferOptions { Url = vsftpd.Url(vsftpd.ExplicitPort), Tls = true, ProtP = true, TlsRigour = TlsRigour.Lax, Timeout = Patience.Operation }))
        {
            var result = await Receiver.ReceiveAsync(explicitTls, Request("tls.bin", 2_000_000, sum), new ReceiveOptions(), CancellationToken.None);
            Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
            File.Delete(result.Path);
        }

        await using var implicitTls = new FtpTransfer(new TransferOptions { Url = vsftpd.Url(vsftpd.ImplicitPort, "ftps"), ImplicitFtps = true, TlsRigour = TlsRigour.Lax, Timeout = Patience.Operation });
        var again = await Receiver.ReceiveAsync(implicitTls, Request("tls.bin", 2_000_000, sum), new ReceiveOptions(), CancellationToken.None);
        Assert.Equal(sum, TestEnvironment.Sha512Of(again.Path));
    }

    [Fact]
    public async Task A_partial_download_resumes_with_REST()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(vsftpd.Home, _dir, "resume.bin"), 3_000_000);
        var original = await File.ReadAllBytesAsync(Path.Combine(vsftpd.Home, _dir, "resume.bin"));
        await File.WriteAllBytesAsync(Path.Combine(_destination, "resume.bin.tmp"), original.AsSpan(0, 1_000_000).ToArray());
        await using (var served = new FileStream(Path.Combine(vsftpd.Home, _dir, "resume.bin"), FileMode.Open, FileAccess.Write))
        {
            await served.WriteAsync(new byte[1_000_000]);
        }

        await using var ftp = new FtpTransfer(new TransferOptions { Url = vsftpd.Url(vsftpd.PlainPort), Timeout = Patience.Operation });
        var result = await Receiver.ReceiveAsync(ftp, Request("resume.bin", 3_000_000, sum), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(1, result.Attempts);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Fact]
    public async Task Put_mkdir_rename_list_and_delete_work_on_the_server()
    {
        await using var ftp = new FtpTransfer(new TransferOptions { Url = vsftpd.Url(vsftpd.PlainPort), Timeout = Patience.Operation });
        await ftp.MkdirAsync($"{_dir}/a/b", CancellationToken.None);
        await ftp.PutAsync(new MemoryStream(new byte[777]), $"{_dir}/a/b/x y.tmp", CancellationToken.None);
        await ftp.RenameAsync($"{_dir}/a/b/x y.tmp", $"{_dir}/a/b/x y", CancellationToken.None);
        Directory.CreateDirectory(Path.Combine(vsftpd.Home, _dir, "a/b/sub"));

        var list = (await ftp.ListAsync($"{_dir}/a/b", CancellationToken.None)).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(["sub", "x y"], list.Select(e => e.Name));
        Assert.True(list[0].IsDirectory);
        Assert.Equal(777, list[1].Size);
        Assert.Equal(777, new FileInfo(Path.Combine(vsftpd.Home, _dir, "a/b/x y")).Length);
        await ftp.DeleteAsync($"{_dir}/a/b/x y", CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(vsftpd.Home, _dir, "a/b/x y")));
        var missing = await Assert.ThrowsAsync<TransferException>(() => ftp.GetAsync($"{_dir}/a/b/x y", Stream.Null, 0, null, CancellationToken.None));
        Assert.False(missing.IsTransient);
    }

    [Fact]
    public async Task A_server_that_dies_mid_transfer_leaves_nothing_under_the_final_name_and_a_retry_resumes()
    {
        const long size = 128L * 1024 * 1024;
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(vsftpd.Home, _dir, "dying.bin"), size);
        var inflight = Path.Combine(_destination, "dying.bin.tmp");
        await using var ftp = new FtpTransfer(new TransferOptions { Url = vsftpd.Url(vsftpd.PlainPort), Timeout = Patience.Operation });
        // Held to 16 MiB/s, so that the server dies mid-file (unheld, the file can be in before the kill).
        var held = new ReceiveOptions { RateLimit = new ByteRateLimiter(16L * 1024 * 1024) };
        var receiving = Receiver.ReceiveAsync(ftp, Request("dying.bin", size, sum), held, CancellationToken.None);
        while (!File.Exists(inflight) || new FileInfo(inflight).Length < 1024 * 1024)
        {
            Assert.False(receiving.IsCompleted, "the download ended before the server could be stopped");
            await Task.Delay(1);
        }

        vsftpd.KillPlainSessions();

        var e = await Assert.ThrowsAsync<TransferException>(() => receiving);
        Assert.True(e.IsTransient);
        Assert.False(File.Exists(Path.Combine(_destination, "dying.bin")));
        Assert.InRange(new FileInfo(inflight).Length, 1, size - 1);

        var result = await Receiver.ReceiveAsync(ftp, Request("dying.bin", size, sum), new ReceiveOptions(), CancellationToken.None);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
        File.Delete(Path.Combine(vsftpd.Home, _dir, "dying.bin"));
    }

    [Fact]
    public async Task A_wrong_password_is_refused_without_showing_it()
    {
        await using var ftp = new FtpTransfer(new TransferOptions { Url = $"ftp://{vsftpd.User}:not-it@127.0.0.1:{vsftpd.PlainPort}/", Timeout = Patience.Operation });
        var e = await Assert.ThrowsAsync<TransferException>(() => ftp.ConnectAsync(CancellationToken.None));
        Assert.False(e.IsTransient);
        Assert.DoesNotContain("not-it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_not_found_and_its_message_rejected_404_and_deleting_it_is_not_found_too()
    {
        Directory.CreateDirectory(Path.Combine(vsftpd.Home, _dir));
        await using var ftp = new FtpTransfer(new TransferOptions { Url = vsftpd.Url(vsftpd.PlainPort), Timeout = Patience.Operation });

        var get = await Assert.ThrowsAsync<TransferException>(() => Receiver.ReceiveAsync(ftp, Request("gone.bin", 10, "x"), new ReceiveOptions(), CancellationToken.None));
        Assert.True(get.IsNotFound, get.Message);
        Assert.Equal(new Disposition(DispositionKind.Reject, ReportCodes.NotFound), Disposition.For(get));

        var delete = await Assert.ThrowsAsync<TransferException>(() => ftp.DeleteAsync($"{_dir}/gone.bin", CancellationToken.None));
        Assert.True(delete.IsNotFound, delete.Message);

        // The connection is still good for a file that is there.
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(vsftpd.Home, _dir, "here.bin"), 1000);
        var result = await Receiver.ReceiveAsync(ftp, Request("here.bin", 1000, sum), new ReceiveOptions(), CancellationToken.None);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    private ReceiveRequest Request(string name, long size, string sum) =>
        new() { RemotePath = $"{_dir}/{name}", Directory = _destination, RelPath = name, ExpectedSize = size, Identity = new ExpectedIdentity("sha512", sum) };
}
