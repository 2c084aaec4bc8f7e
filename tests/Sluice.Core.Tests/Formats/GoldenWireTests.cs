using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sluice.Core.Formats;

namespace Sluice.Core.Tests.Formats;

/// <summary>Every message captured from real sr3 3.00 pumps decodes, re-encodes to the same bytes, and has the topic sr3 gave it.</summary>
public class GoldenWireTests
{
    public static TheoryData<string> AllFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var sub in new[] { "amqp_v03", "amqp_v02", "mqtt" })
        {
            foreach (var file in Fixtures.MessageFiles(sub))
            {
                data.Add(sub + "/" + Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Captured_sr3_message_decodes_and_reencodes_identically(string fixture)
    {
        var captured = CapturedMessage.Parse(Fixtures.Read(fixture));
        var format = MessageFormats.Detect(captured.Wire);
        var message = format.Decode(captured.Wire);

        // The topic Sluice derives from the relPath matches what sr3 published, after the prefix.
        var dirs = Topics.Derive([], message.RelPath);
        var topic = captured.Wire.Topic;
        Assert.True(topic.Count >= dirs.Length, $"topic {string.Join('.', topic)} shorter than the relPath's directories");
        var prefix = topic.Take(topic.Count - dirs.Length).ToArray();
        Assert.Equal(dirs, topic.Skip(prefix.Length).ToArray());

        var again = format.Encode(message, prefix);
        Assert.Equal(topic, again.Topic);
        Assert.Equal(Encoding.UTF8.GetString(captured.Wire.Body.Span), Encoding.UTF8.GetString(again.Body.Span));
        Assert.Equal(captured.Wire.Headers, again.Headers);
        if (captured.Wire.ContentType.Length > 0)
        {
            Assert.Equal(captured.Wire.ContentType, again.ContentType);
        }
    }

    [Theory]
    [InlineData("amqp_v03/post_sha512.json", "v03")]
    [InlineData("amqp_v03/post_v02topic_v03body_no_post_format.json", "v03")]
    [InlineData("amqp_v02/post_sha512.json", "v02")]
    [InlineData("mqtt/v02_post_md5.json", "v02")]
    [InlineData("mqtt/v03_flow1_file1.json", "v03")]
    public void Format_is_recognised_from_content_type_or_body(string fixture, string expected)
    {
        var captured = CapturedMessage.Parse(Fixtures.Read(fixture));
        Assert.Equal(expected, MessageFormats.Detect(captured.Wire).Name);
    }

    [Theory]
    [InlineData("post_sha512.json")]
    [InlineData("post_md5.json")]
    [InlineData("post_blocks_25MiB_block0.json")]
    [InlineData("post_blocks_25MiB_block1.json")]
    [InlineData("post_blocks_25MiB_block2.json")]
    [InlineData("watch_create.json")]
    [InlineData("watch_rename.json")]
    [InlineData("watch_mkdir.json")]
    [InlineData("watch_remove.json")]
    [InlineData("watch_rmdir.json")]
    [InlineData("watch_link.json")]
    public void V02_and_v03_captures_of_the_same_file_agree(string name)
    {
        var v03 = MessageFormats.Decode(CapturedMessage.Parse(Fixtures.Read("amqp_v03/" + name)).Wire);
        var v02 = MessageFormats.Decode(CapturedMessage.Parse(Fixtures.Read("amqp_v02/" + name)).Wire);

        Assert.Equal(v03.RelPath, v02.RelPath);
        Assert.Equal(v03.BaseUrl, v02.BaseUrl);
        Assert.Equal(v03.Source, v02.Source);
        Assert.Equal(v03.FromCluster, v02.FromCluster);
        Assert.Equal(v03.Mode, v02.Mode);
        Assert.Equal(v03.ContentType, v02.ContentType);
        Assert.Equal(v03.FileOp?.IsRemove ?? false, v02.FileOp?.IsRemove ?? false);
        if (v03.FileOp is { IsDirectory: true, IsRemove: false })
        {
            Assert.True(v02.FileOp?.IsDirectory, "mkdir");
        }
        Assert.Equal(v03.FileOp?.Rename, v02.FileOp?.Rename);
        Assert.Equal(v03.Size, v02.Size);
        Assert.Equal(v03.Blocks?.Number, v02.Blocks?.Number);
        Assert.Equal(v03.Blocks?.Size, v02.Blocks?.Size);
        Assert.Equal(v03.Blocks?.EffectiveCount, v02.Blocks?.EffectiveCount);
        Assert.Equal(v03.Identity?.Method, v02.Identity?.Method);
        if (v03.Identity?.Value is { } value)
        {
            Assert.Equal(Convert.FromBase64String(value), Convert.FromBase64String(v02.Identity!.Value!));
        }

        if (v03.FileOp?.Link is { } target)
        {
            // sr3 sends v02 links without the target, but its sum is the target's sha512.
            var sum = V02Format.Instance.Encode(v02, ["v02", "post"]).Headers.Single(h => h.Key == "sum").Value;
            Assert.Equal("L," + Convert.ToHexStringLower(SHA512.HashData(Encoding.UTF8.GetBytes(target))), sum);
        }
    }

    [Theory]
    [InlineData("post_sha512.json")]
    [InlineData("post_md5.json")]
    [InlineData("watch_rename.json")]
    [InlineData("watch_mkdir.json")]
    [InlineData("watch_remove.json")]
    public void V03_message_converted_to_v02_has_the_headers_sr3_writes(string name)
    {
        var v03 = MessageFormats.Decode(CapturedMessage.Parse(Fixtures.Read("amqp_v03/" + name)).Wire);
        var sr3v02 = CapturedMessage.Parse(Fixtures.Read("amqp_v02/" + name)).Wire;
        var ours = V02Format.Instance.Encode(v03, ["v02", "post"]);

        Assert.Equal(sr3v02.Topic, ours.Topic);
        Assert.Equal(sr3v02.Headers.Select(h => h.Key), ours.Headers.Select(h => h.Key));
        foreach (var key in new[] { "sum", "parts", "mode", "oldname", "contentType" })
        {
            Assert.Equal(Header(sr3v02, key), Header(ours, key));
        }
    }

    [Fact]
    public void V02_message_converted_to_v03_reads_as_sr3_writes_it()
    {
        var v02 = MessageFormats.Decode(CapturedMessage.Parse(Fixtures.Read("amqp_v02/post_sha512.json")).Wire);
        var body = JsonNode.Parse(V03Format.EncodeBody(v02))!.AsObject();
        var sr3 = JsonNode.Parse(CapturedMessage.Parse(Fixtures.Read("amqp_v03/post_sha512.json")).Wire.Body.ToArray())!.AsObject();
        foreach (var key in new[] { "relPath", "baseUrl", "from_cluster", "source", "mode", "size", "mtime", "identity", "contentType" })
        {
            Assert.True(JsonNode.DeepEquals(sr3[key], body[key]), $"{key}: sr3 {sr3[key]?.ToJsonString()} ours {body[key]?.ToJsonString()}");
        }
    }

    private static string? Header(WireMessage wire, string key) => wire.Headers.FirstOrDefault(h => h.Key == key).Value;
}
