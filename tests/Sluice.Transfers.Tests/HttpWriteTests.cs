using System.Net.Sockets;
using System.Text;
using Sluice.Core.Transfers;
using Sluice.Tests.Servers;

namespace Sluice.Transfers.Tests;

/// <summary>HttpTransfer's writes (PUT, DELETE, MOVE, MKCOL) against the pump's Kestrel data server on loopback.</summary>
[Collection(DataServerCollection.Name)]
public sealed class HttpWriteTests(DataServerFixture server)
{
    private readonly string _dir = "w" + Guid.NewGuid().ToString("N")[..8];

    private string Local(string relative) => Path.Combine(server.Root, _dir, relative);

    [Theory]
    [InlineData("empty", 0L, true)]
    [InlineData("données été ✓ 雨.bin", 65_537L, true)]
    [InlineData("streamed.bin", 3L * 1024 * 1024 + 7, false)]
    [InlineData("large.bin", 24L * 1024 * 1024, true)]
    public async Task A_put_file_arrives_intact_in_directories_made_for_it(string name, long size, bool seekable)
    {
        var scratch = TestEnvironment.TempDirectory("http-put");
        var sum = TestEnvironment.WriteRandomFile(Path.Combine(scratch, "src"), size, seed: 3);
        await using var walt = Writer();
        await using (var file = File.OpenRead(Path.Combine(scratch, "src")))
        {
            Stream body = seekable ? file : new ForwardOnly(file);
            await walt.PutAsync(body, $"{_dir}/a/b/{name}", CancellationToken.None);
        }

        Assert.Equal(sum, TestEnvironment.Sha512Of(Local($"a/b/{name}")));
        Assert.Empty(Directory.EnumerateFiles(Local("a/b"), "*.part"));
        Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public async Task Put_over_an_existing_file_replaces_it_and_rename_delete_and_mkdir_round_trip()
    {
        await using var walt = Writer();
        await walt.PutAsync(new MemoryStream("first"u8.ToArray()), $"{_dir}/f.txt", CancellationToken.None);
        await walt.PutAsync(new MemoryStream("second"u8.ToArray()), $"{_dir}/f.txt", CancellationToken.None);
        Assert.Equal("second", await File.ReadAllTextAsync(Local("f.txt")));

        await walt.MkdirAsync($"{_dir}/x/y/z", CancellationToken.None);
        await walt.MkdirAsync($"{_dir}/x/y/z", CancellationToken.None); // exists already: fine
        Assert.True(Directory.Exists(Local("x/y/z")));

        await walt.RenameAsync($"{_dir}/f.txt", $"{_dir}/x/y/z/g é.txt", CancellationToken.None);
        Assert.False(File.Exists(Local("f.txt")));
        Assert.Equal("second", await File.ReadAllTextAsync(Local("x/y/z/g é.txt")));

        await walt.PutAsync(new MemoryStream("third"u8.ToArray()), $"{_dir}/h.txt", CancellationToken.None);
        await walt.RenameAsync($"{_dir}/h.txt", $"{_dir}/x/y/z/g é.txt", CancellationToken.None); // Overwrite: T
        Assert.Equal("third", await File.ReadAllTextAsync(Local("x/y/z/g é.txt")));

        await walt.RenameAsync($"{_dir}/x/y", $"{_dir}/moved", CancellationToken.None);
        Assert.True(File.Exists(Local("moved/z/g é.txt")));

        var notEmpty = await Assert.ThrowsAsync<TransferException>(() => walt.DeleteAsync($"{_dir}/moved/z", CancellationToken.None));
        Assert.False(notEmpty.IsTransient);
        Assert.Contains("not empty", notEmpty.Message, StringComparison.Ordinal);

        await walt.DeleteAsync($"{_dir}/moved/z/g é.txt", CancellationToken.None);
        await walt.DeleteAsync($"{_dir}/moved/z", CancellationToken.None);
        Assert.False(Directory.Exists(Local("moved/z")));

        var gone = await Assert.ThrowsAsync<TransferException>(() => walt.DeleteAsync($"{_dir}/moved/z", CancellationToken.None));
        Assert.True(gone.IsNotFound);
        Assert.False(gone.IsTransient);
        var noSource = await Assert.ThrowsAsync<TransferException>(() => walt.RenameAsync($"{_dir}/nothing", $"{_dir}/else", CancellationToken.None));
        Assert.True(noSource.IsNotFound);
    }

    [Fact]
    public async Task Anonymous_writes_are_refused_401_and_a_reader_403_while_both_may_read()
    {
        Directory.CreateDirectory(Local(string.Empty));
        await File.WriteAllTextAsync(Local("kept.txt"), "kept");
        await using var anonymous = new HttpTransfer(new TransferOptions { Url = server.Writable.BaseUrl, Timeout = Patience.Operation });
        await using var anne = new HttpTransfer(new TransferOptions { Url = server.WritableUrl("anne"), Timeout = Patience.Operation });
        await using var wrong = new HttpTransfer(new TransferOptions { Url = server.Writable.BaseUrl.Replace("http://", "http://walt:nope@", StringComparison.Ordinal), Timeout = Patience.Operation });

        foreach (var (transfer, status) in new[] { (anonymous, 401), (wrong, 401), (anne, 403) })
        {
            var writes = new Func<Task>[]
            {
                () => transfer.PutAsync(new MemoryStream("x"u8.ToArray()), $"{_dir}/new.txt", CancellationToken.None),
                () => transfer.DeleteAsync($"{_dir}/kept.txt", CancellationToken.None),
                () => transfer.RenameAsync($"{_dir}/kept.txt", $"{_dir}/taken.txt", CancellationToken.None),
                () => transfer.MkdirAsync($"{_dir}/made", CancellationToken.None),
            };
            foreach (var write in writes)
            {
                var e = await Assert.ThrowsAsync<TransferException>(write);
                Assert.Equal(status, e.StatusCode);
                Assert.False(e.IsTransient);
            }
        }

        // A large body is refused before it is sent (Expect: 100-continue), as a permanent refusal.
        var large = await Assert.ThrowsAsync<TransferException>(() => anne.PutAsync(new MemoryStream(new byte[8 * 1024 * 1024]), $"{_dir}/large.bin", CancellationToken.None));
        Assert.Equal(403, large.StatusCode);
        Assert.False(large.IsTransient);
        Assert.Contains("may only read", large.Message, StringComparison.Ordinal);

        Assert.Equal(["kept.txt"], Directory.GetFileSystemEntries(Local(string.Empty)).Select(Path.GetFileName));
        using var read = new MemoryStream();
        await anonymous.GetAsync($"{_dir}/kept.txt", read, 0, null, CancellationToken.None);
        Assert.Equal("kept", Encoding.UTF8.GetString(read.ToArray()));
        await anne.GetAsync($"{_dir}/kept.txt", Stream.Null, 0, null, CancellationToken.None);

        // A server without writers takes no writes from anyone, even its own users.
        var url = server.Private.BaseUrl.Replace("http://", "http://anne:s3cr%3Aet@", StringComparison.Ordinal);
        await using var privateAnne = new HttpTransfer(new TransferOptions { Url = url, Timeout = Patience.Operation });
        var readOnly = await Assert.ThrowsAsync<TransferException>(() => privateAnne.PutAsync(new MemoryStream("x"u8.ToArray()), $"{_dir}/new.txt", CancellationToken.None));
        Assert.Equal(403, readOnly.StatusCode);
        Assert.Contains("read-only", readOnly.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Local("new.txt")));
    }

    [Fact]
    public async Task Hostile_paths_are_refused_with_the_reason_and_nothing_is_written_outside()
    {
        var outside = TestEnvironment.TempDirectory("outside");
        await File.WriteAllTextAsync(Path.Combine(outside, "target.txt"), "untouched");
        Directory.CreateDirectory(Local(string.Empty));
        Directory.CreateSymbolicLink(Local("escape"), outside);
        File.CreateSymbolicLink(Local("leak.txt"), Path.Combine(outside, "target.txt"));
        await File.WriteAllTextAsync(Local("inside.txt"), "inside");
        await using var walt = Writer();

        var refusals = new (Func<Task> Write, string Reason)[]
        {
            (() => walt.PutAsync(new MemoryStream("x"u8.ToArray()), $"{_dir}/escape/new.txt", CancellationToken.None), "symbolic link"),
            (() => walt.MkdirAsync($"{_dir}/escape/sub", CancellationToken.None), "symbolic link"),
            (() => walt.PutAsync(new MemoryStream("x"u8.ToArray()), $"{_dir}/leak.txt", CancellationToken.None), "symbolic link"),
            (() => walt.DeleteAsync($"{_dir}/escape/target.txt", CancellationToken.None), "symbolic link"),
            (() => walt.RenameAsync($"{_dir}/inside.txt", $"{_dir}/escape/target.txt", CancellationToken.None), "symbolic link"),
            (() => walt.RenameAsync($"{_dir}/escape/target.txt", $"{_dir}/stolen.txt", CancellationToken.None), "symbolic link"),
            (() => walt.PutAsync(new MemoryStream("x"u8.ToArray()), $"{_dir}/a\\..\\b", CancellationToken.None), "backslash"),
        };
        foreach (var (write, reason) in refusals)
        {
            var e = await Assert.ThrowsAsync<TransferException>(write);
            Assert.Equal(403, e.StatusCode);
            Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        }

        // Dot segments and a Destination outside the tree, sent raw (HttpClient would normalise them).
        var auth = Convert.ToBase64String("walt:pw-walt"u8);
        var dotdot = await RawAsync($"PUT /{_dir}/%2e%2e/%2e%2e/%2e%2e{outside}/dotdot.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\nContent-Length: 1\r\n\r\nx");
        var nul = await RawAsync($"PUT /{_dir}/nul%00.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\nContent-Length: 1\r\n\r\nx");
        var move = await RawAsync($"MOVE /{_dir}/inside.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\nDestination: http://x/{_dir}/%2e%2e/%2e%2e/%2e%2e{outside}/moved.txt\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 4", nul, StringComparison.Ordinal);
        Assert.DoesNotContain("HTTP/1.1 5", dotdot + move, StringComparison.Ordinal);

        Assert.Equal(["target.txt"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("untouched", await File.ReadAllTextAsync(Path.Combine(outside, "target.txt")));
        Directory.Delete(outside, recursive: true);
    }

    [Fact]
    public async Task An_upload_cut_mid_body_leaves_no_file_under_the_final_name_nor_a_temporary_one()
    {
        Directory.CreateDirectory(Local(string.Empty));
        var auth = Convert.ToBase64String("walt:pw-walt"u8);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, server.Writable.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"PUT /{_dir}/cut.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\nContent-Length: 10000000\r\n\r\n"));
            await stream.WriteAsync(new byte[3_000_000]);
            await stream.FlushAsync();
            // The server is writing the temporary file: the final name is not there yet.
            while (Directory.GetFiles(Local(string.Empty), "*.part").Length == 0)
            {
                await Task.Delay(10);
            }

            Assert.False(File.Exists(Local("cut.bin")));
            await using (var reader = Writer())
            {
                // Nor does the index show the upload in progress, which a poll of it would announce.
                Assert.Empty(await reader.ListAsync(_dir, CancellationToken.None));
            }

            client.Client.LingerState = new LingerOption(true, 0); // reset, as a client that dies does
        }

        using var patience = new CancellationTokenSource(Patience.Operation);
        while (Directory.GetFiles(Local(string.Empty), "*.part").Length > 0)
        {
            Assert.False(patience.IsCancellationRequested, "the temporary file of the cut upload is still there");
            await Task.Delay(10);
        }

        Assert.False(File.Exists(Local("cut.bin")));
        Assert.Empty(Directory.GetFileSystemEntries(Local(string.Empty)));
    }

    [Fact]
    public async Task Symbolic_links_are_refused_over_http_with_the_reason()
    {
        await using var walt = Writer();
        var e = await Assert.ThrowsAsync<TransferException>(() => walt.SymlinkAsync("a", $"{_dir}/l", CancellationToken.None));
        Assert.False(e.IsTransient);
        Assert.Contains("no symbolic links", e.Message, StringComparison.Ordinal);
    }

    private HttpTransfer Writer() => new(new TransferOptions { Url = server.WritableUrl("walt"), Timeout = Patience.Operation });

    private async Task<string> RawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, server.Writable.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        var buffer = new byte[4096];
        var n = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    /// <summary>A stream that cannot seek (its length unknown): the body goes chunked.</summary>
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
