using System.Security.Cryptography;
using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Tests.Servers;

namespace Sluice.Transfers.Tests;

/// <summary>Inflight, verification and metadata through the file transfer (no network needed).</summary>
public sealed class ReceiverTests : IDisposable
{
    private readonly string _source = TestEnvironment.TempDirectory("src");
    private readonly string _destination = TestEnvironment.TempDirectory("dst");
    private readonly FileTransfer _transfer;

    public ReceiverTests()
    {
        _transfer = new FileTransfer(new TransferOptions { Url = "file://" + _source, Timeout = Patience.Operation });
    }

    public void Dispose()
    {
        Directory.Delete(_source, recursive: true);
        Directory.Delete(_destination, recursive: true);
    }

    [Theory]
    [InlineData(".tmp")]
    [InlineData(".")]
    [InlineData("tmp/")]
    [InlineData("NONE")]
    public async Task A_verified_file_ends_under_its_final_name_and_no_inflight_file_remains(string inflight)
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(_source, "f.bin"), 3_000_000);
        var (mode, value) = ReceiveOptions.ParseInflight(inflight);
        var options = new ReceiveOptions { Inflight = mode, InflightValue = value };

        var result = await Receiver.ReceiveAsync(_transfer, Request("f.bin", "sub/dir/f.bin", 3_000_000, new ExpectedIdentity("sha512", sum)), options, CancellationToken.None);

        Assert.Equal(Path.Combine(_destination, "sub/dir/f.bin"), result.Path);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
        Assert.Equal(["f.bin"], Directory.EnumerateFiles(Path.Combine(_destination, "sub/dir"), "*", SearchOption.AllDirectories).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(".tmp", "x.bin.tmp")]
    [InlineData(".", ".x.bin")]
    [InlineData("tmp/", "tmp/x.bin")]
    public void Inflight_names_follow_the_sr3_settings(string inflight, string expected)
    {
        var (mode, value) = ReceiveOptions.ParseInflight(inflight);
        Assert.Equal(Path.Combine("/d", expected), Receiver.InflightPath("/d/x.bin", new ReceiveOptions { Inflight = mode, InflightValue = value }));
    }

    [Fact]
    public async Task A_corrupted_file_is_retried_then_reported_and_never_appears_under_its_final_name()
    {
        TestEnvironment.WriteRandomFile(Path.Combine(_source, "bad.bin"), 100_000);
        var wrong = Convert.ToBase64String(SHA512.HashData("something else"u8));

        var e = await Assert.ThrowsAsync<TransferVerificationException>(() =>
            Receiver.ReceiveAsync(_transfer, Request("bad.bin", "bad.bin", 100_000, new ExpectedIdentity("sha512", wrong)), new ReceiveOptions { Attempts = 2 }, CancellationToken.None));

        Assert.Equal(VerificationFailure.Identity, e.Failure);
        Assert.Equal(417, e.ReportCode);
        Assert.Equal(2, e.Attempts);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_destination));
    }

    [Fact]
    public async Task A_wrong_size_is_reported_as_499_unless_acceptSizeWrong()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(_source, "s.bin"), 5000);
        var e = await Assert.ThrowsAsync<TransferVerificationException>(() =>
            Receiver.ReceiveAsync(_transfer, Request("s.bin", "s.bin", 4000, null), new ReceiveOptions(), CancellationToken.None));
        Assert.Equal(VerificationFailure.Size, e.Failure);
        Assert.Equal(499, e.ReportCode);
        Assert.False(File.Exists(Path.Combine(_destination, "s.bin")));

        var result = await Receiver.ReceiveAsync(_transfer, Request("s.bin", "s.bin", 4000, new ExpectedIdentity("sha512", sum)), new ReceiveOptions { AcceptSizeWrong = true }, CancellationToken.None);
        Assert.Equal(5000, result.Size);
        Assert.True(File.Exists(Path.Combine(_destination, "s.bin")));
    }

    [Theory]
    [InlineData("sha512")]
    [InlineData("md5")]
    public async Task Checksum_on_download_returns_the_identity_computed_while_receiving(string algorithm)
    {
        TestEnvironment.WriteRandomFile(Path.Combine(_source, "c.bin"), 70_000);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(_source, "c.bin"));
        var expected = Convert.ToBase64String(algorithm == "md5" ? MD5.HashData(bytes) : SHA512.HashData(bytes));

        var result = await Receiver.ReceiveAsync(_transfer, Request("c.bin", "c.bin", 70_000, new ExpectedIdentity("cod", algorithm)), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(new ExpectedIdentity(algorithm, expected), result.ComputedIdentity);
    }

    [Fact]
    public async Task A_partial_inflight_file_is_resumed_and_the_whole_is_verified()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(_source, "r.bin"), 2_000_000);
        var inflight = Path.Combine(_destination, "r.bin.tmp");
        await using (var partial = File.Create(inflight))
        await using (var original = File.OpenRead(Path.Combine(_source, "r.bin")))
        {
            var half = new byte[1_000_000];
            await original.ReadExactlyAsync(half);
            await partial.WriteAsync(half);
        }

        // Zero the source's first half: only a download that resumes at the partial's end still
        // produces the original content (and identity).
        await using (var source = new FileStream(Path.Combine(_source, "r.bin"), FileMode.Open, FileAccess.Write))
        {
            await source.WriteAsync(new byte[1_000_000]);
        }

        var result = await Receiver.ReceiveAsync(_transfer, Request("r.bin", "r.bin", 2_000_000, new ExpectedIdentity("sha512", sum)), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
        Assert.False(File.Exists(inflight));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stale_inflight_file_that_is_not_resumed_is_emptied_before_the_download(bool resume)
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(_source, "s.bin"), 1000);
        var inflight = Path.Combine(_destination, "s.bin.tmp");
        // Longer than the file announced, so never resumed: what is left of it past the new content would stay.
        await File.WriteAllBytesAsync(inflight, new byte[5000]);

        var result = await Receiver.ReceiveAsync(_transfer, Request("s.bin", "s.bin", 1000, new ExpectedIdentity("sha512", sum)), new ReceiveOptions { Resume = resume, Attempts = 1 }, CancellationToken.None);

        Assert.Equal(1000, new FileInfo(result.Path).Length);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Fact]
    public async Task A_resumed_partial_that_is_corrupt_fails_verification_then_succeeds_from_scratch()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(_source, "r.bin"), 200_000);
        await File.WriteAllBytesAsync(Path.Combine(_destination, "r.bin.tmp"), new byte[50_000]);

        var result = await Receiver.ReceiveAsync(_transfer, Request("r.bin", "r.bin", 200_000, new ExpectedIdentity("sha512", sum)), new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(2, result.Attempts);
        Assert.Equal(sum, TestEnvironment.Sha512Of(result.Path));
    }

    [Fact]
    public async Task A_failed_download_written_in_place_leaves_no_file_under_the_final_name()
    {
        var options = new ReceiveOptions { Inflight = InflightMode.None };
        var e = await Assert.ThrowsAsync<TransferException>(() =>
            Receiver.ReceiveAsync(_transfer, Request("missing.bin", "missing.bin", 10, null), options, CancellationToken.None));
        Assert.False(e.IsTransient);
        Assert.False(File.Exists(Path.Combine(_destination, "missing.bin")));
    }

    [Fact]
    public async Task An_unsafe_relPath_is_refused_before_anything_is_written()
    {
        TestEnvironment.WriteRandomFile(Path.Combine(_source, "x"), 10);
        await Assert.ThrowsAsync<UnsafePathException>(() =>
            Receiver.ReceiveAsync(_transfer, Request("x", "../x", 10, null), new ReceiveOptions(), CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(_destination, "..", "x")));
    }

    [Fact]
    public async Task TimeCopy_and_permCopy_apply_the_message_times_and_mode()
    {
        TestEnvironment.WriteRandomFile(Path.Combine(_source, "m"), 10);
        var mtime = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var request = Request("m", "m", 10, null) with { Mtime = mtime, Atime = mtime.AddDays(1), Mode = Convert.ToInt32("640", 8) };

        var result = await Receiver.ReceiveAsync(_transfer, request, new ReceiveOptions(), CancellationToken.None);

        Assert.Equal(mtime.UtcDateTime, File.GetLastWriteTimeUtc(result.Path));
        Assert.Equal(mtime.AddDays(1).UtcDateTime, File.GetLastAccessTimeUtc(result.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(result.Path));
    }

    [Fact]
    public async Task Without_permCopy_permDefault_applies_and_without_timeCopy_times_are_left_alone()
    {
        TestEnvironment.WriteRandomFile(Path.Combine(_source, "m"), 10);
        var request = Request("m", "d/m", 10, null) with { Mtime = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero), Mode = Convert.ToInt32("600", 8) };
        var metadata = new MetadataOptions { PermCopy = false, TimeCopy = false, PermDefault = Convert.ToInt32("604", 8), PermDirDefault = Convert.ToInt32("750", 8) };

        var result = await Receiver.ReceiveAsync(_transfer, request, new ReceiveOptions { Metadata = metadata }, CancellationToken.None);

        Assert.Equal((UnixFileMode)Convert.ToInt32("604", 8), File.GetUnixFileMode(result.Path));
        Assert.Equal((UnixFileMode)Convert.ToInt32("750", 8), File.GetUnixFileMode(Path.Combine(_destination, "d")));
        Assert.True(File.GetLastWriteTimeUtc(result.Path).Year > 2020);
    }

    [Fact]
    public async Task Blocks_written_out_of_order_at_their_offsets_rebuild_the_file()
    {
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(_source, "p.bin"), 1_000_000);
        var target = Path.Combine(_destination, "p.bin");
        foreach (var (offset, length) in new[] { (600_000L, 400_000L), (0L, 300_000L), (300_000L, 300_000L) })
        {
            Assert.Equal(length, await Receiver.ReceiveBlockAsync(_transfer, "p.bin", target, offset, length, CancellationToken.None));
        }

        Assert.Equal(sum, TestEnvironment.Sha512Of(target));
    }

    [Fact]
    public async Task The_file_transfer_lists_renames_links_and_deletes()
    {
        await _transfer.MkdirAsync("d/e", CancellationToken.None);
        TestEnvironment.WriteRandomFile(Path.Combine(_source, "d", "a"), 123);
        await _transfer.RenameAsync("d/a", "d/b", CancellationToken.None);
        await _transfer.SymlinkAsync("b", "d/l", CancellationToken.None);

        var list = (await _transfer.ListAsync("d", CancellationToken.None)).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(["b", "e", "l"], list.Select(e => e.Name));
        Assert.Equal(123, list[0].Size);
        Assert.True(list[1].IsDirectory);
        Assert.Equal("b", list[2].LinkTarget);
        await _transfer.DeleteAsync("d/b", CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(_source, "d", "b")));
    }

    private ReceiveRequest Request(string remote, string relPath, long? size, ExpectedIdentity? identity) =>
        new() { RemotePath = remote, Directory = _destination, RelPath = relPath, ExpectedSize = size, Identity = identity };
}
