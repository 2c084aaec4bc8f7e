using System.Text.Json.Nodes;
using Sluice.Core.Checksums;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Core.Tests.Flows;

public class FileAnnouncerTests
{
    private static AnnounceOptions Options(string baseDir) => new()
    {
        PostBaseUrl = "http://127.0.0.1:8091/",
        PostBaseDir = baseDir,
        Source = "tfeed",
        FromCluster = "localhost",
    };

    private static async Task<List<NotificationMessage>> Announce(AnnounceOptions options, params string[] paths)
    {
        var list = new List<NotificationMessage>();
        await foreach (var m in new FileAnnouncer(options).AnnounceAsync(paths, CancellationToken.None))
        {
            list.Add(m);
        }

        return list;
    }

    private static string[] Keys(NotificationMessage m) => JsonNode.Parse(V03Format.EncodeBody(m))!.AsObject().Select(p => p.Key).ToArray();

    private static string[] CapturedKeys(string fixture) =>
        JsonNode.Parse(CapturedMessage.Parse(Fixtures.Read(fixture)).Wire.Body.ToArray())!.AsObject().Select(p => p.Key).ToArray();

    [Fact]
    public async Task A_file_is_announced_with_the_fields_and_order_sr3_posts()
    {
        using var dir = new TempDirectory();
        var path = dir.File("samples/s_sha512.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "a sample file announced with sha512 identity\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var m = Assert.Single(await Announce(Options(dir.Path), path));

        Assert.Equal(CapturedKeys("amqp_v03/post_sha512.json"), Keys(m));
        Assert.Equal("samples/s_sha512.txt", m.RelPath);
        Assert.Equal("644", m.Mode);
        Assert.Equal("text/plain", m.ContentType);
        Assert.Equal(new FileInfo(path).Length, m.Size);
        var hex = ProcessRunner.Run("sha512sum", path).Split(' ')[0];
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(hex)), m.Identity!.Value);
        Assert.Equal(new[] { "v03", "samples" }, V03Format.Instance.Encode(m, ["v03"]).Topic);
    }

    [Fact]
    public async Task A_tree_is_announced_directory_first_with_links_as_fileOps()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("tree/sub"));
        await File.WriteAllTextAsync(dir.File("tree/a.txt"), "a");
        await File.WriteAllTextAsync(dir.File("tree/sub/b.bin"), "b");
        File.CreateSymbolicLink(dir.File("tree/link"), "a.txt");

        var messages = await Announce(Options(dir.Path), dir.File("tree"));

        Assert.Equal(["tree", "tree/a.txt", "tree/link", "tree/sub", "tree/sub/b.bin"], messages.Select(m => m.RelPath));
        Assert.True(messages[0].FileOp!.IsDirectory);
        Assert.Equal("text/directory", messages[0].ContentType);
        Assert.Equal(CapturedKeys("amqp_v03/watch_mkdir.json"), Keys(messages[0]));
        Assert.Equal("a.txt", messages[2].FileOp!.Link);
        Assert.Equal(CapturedKeys("amqp_v03/watch_link.json"), Keys(messages[2]));
        Assert.Equal("application/octet-stream", messages[4].ContentType);
    }

    [Fact]
    public async Task Posting_post_baseDir_itself_announces_what_it_holds_but_not_itself()
    {
        // The base directory is where relPaths start: announcing it gave a relPath that repeated its absolute path.
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("a"));
        File.WriteAllText(dir.File("a/x.txt"), "x");
        var messages = await Announce(Options(dir.Path), dir.Path);
        Assert.Equal(["a", "a/x.txt"], messages.Select(m => m.RelPath));
    }

    [Fact]
    public async Task A_large_file_is_announced_block_by_block_with_its_manifest()
    {
        using var dir = new TempDirectory();
        var path = dir.File("big.bin");
        var bytes = new byte[(2 * 65536) + 100];
        new Random(3).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);

        var messages = await Announce(Options(dir.Path) with { BlockSize = 65536 }, path);

        Assert.Equal(3, messages.Count);
        Assert.Equal([0L, 1L, 2L], messages.Select(m => m.Blocks!.Number));
        Assert.Equal([65536L, 65536L, 100L], messages.Select(m => m.Size!.Value));
        Assert.All(messages, m => Assert.Equal(3, m.Blocks!.Manifest!.Count));
        Assert.Equal(CapturedKeys("amqp_v03/post_blocks_25MiB_block1.json"), Keys(messages[1]));
        var plan = await FileIdentity.ComputeBlocksAsync(path, 65536, IdentityMethods.Sha512, CancellationToken.None);
        Assert.Equal(plan.Manifest![2].Identity, messages[2].Identity!.Value);
    }

    [Fact]
    public async Task Small_files_go_inline_when_asked()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("s_inline.txt"), "sample file announced inline\n");
        await File.WriteAllBytesAsync(dir.File("raw.bin"), [0xff, 0x00, 0xfe]);
        await File.WriteAllBytesAsync(dir.File("big.txt"), new byte[5000]);

        var messages = await Announce(Options(dir.Path) with { Inline = true }, dir.File("s_inline.txt"), dir.File("raw.bin"), dir.File("big.txt"));

        Assert.Equal(new Content("utf-8", "sample file announced inline\n"), messages[0].Content);
        Assert.Equal(CapturedKeys("amqp_v03/post_inline_content.json"), Keys(messages[0]));
        Assert.Equal(new Content("base64", "/wD+"), messages[1].Content);
        Assert.Null(messages[2].Content);
    }

    [Fact]
    public async Task Identity_none_leaves_the_field_out_and_cod_names_the_algorithm()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("f.txt"), "x");
        var none = Assert.Single(await Announce(Options(dir.Path) with { Identity = IdentitySetting.None }, dir.File("f.txt")));
        Assert.Null(none.Identity);
        Assert.Equal(CapturedKeys("amqp_v03/post_identity_none.json"), Keys(none));
        var cod = Assert.Single(await Announce(Options(dir.Path) with { Identity = IdentitySetting.Parse("cod,md5") }, dir.File("f.txt")));
        Assert.Equal(new Identity("cod", "md5"), cod.Identity);
    }
}
