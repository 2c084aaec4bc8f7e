using System.Text.Json.Nodes;

namespace Sluice.Core.Tests;

public class DecodeCommandTests
{
    private static (int Code, string Out, string Err) Run(string stdin, params string[] args) => InProcessCli.Run(args, stdin);

    private static string Fixture(string name) => Path.Combine(Fixtures.Sr3Messages, name);

    [Fact]
    public void Decode_prints_a_captured_v02_message_as_v03_json()
    {
        var (code, output, _) = Run(string.Empty, "decode", Fixture("amqp_v02/post_md5.json"));
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("samples/s_md5.txt", (string?)json["relPath"]);
        Assert.Equal("md5", (string?)json["identity"]!["method"]);
        Assert.Equal("oxddUjBsCZjGeJgZQ2nH8Q==", (string?)json["identity"]!["value"]);
        Assert.Equal(40, (long?)json["size"]);
        Assert.Equal("20261123T183054.862718105", (string?)json["mtime"]);
    }

    [Fact]
    public void Decode_of_a_v03_capture_prints_the_body_sr3_sent()
    {
        var captured = JsonNode.Parse(File.ReadAllText(Fixture("amqp_v03/post_sha512.json")))!;
        var (code, output, _) = Run(string.Empty, "decode", Fixture("amqp_v03/post_sha512.json"));
        Assert.Equal(0, code);
        Assert.Equal((string?)captured["body"], output.TrimEnd('\n'));
    }

    [Fact]
    public void Decode_reads_a_bare_body_from_standard_input()
    {
        var body = (string?)JsonNode.Parse(File.ReadAllText(Fixture("mqtt/v03_post_md5.json")))!["payload"];
        var (code, output, _) = Run(body!, "decode", "-");
        Assert.Equal(0, code);
        Assert.Equal(body, output.TrimEnd('\n'));
    }

    [Fact]
    public void Decode_to_v02_gives_a_capture_that_decodes_back_to_the_same_message()
    {
        var (code, v02, _) = Run(string.Empty, "decode", "--to", "v02", Fixture("amqp_v03/watch_rename.json"));
        Assert.Equal(0, code);
        var doc = JsonNode.Parse(v02)!;
        Assert.Equal("v02.post.watched", (string?)doc["routing_key"]);
        Assert.Equal("/srv/data/src/watched/created.txt", (string?)doc["headers"]!["oldname"]);

        var (code2, v03, _) = Run(v02, "decode", "-");
        Assert.Equal(0, code2);
        var json = JsonNode.Parse(v03)!;
        Assert.Equal("/srv/data/src/watched/created.txt", (string?)json["fileOp"]!["rename"]);
        Assert.Equal("watched/renamed.txt", (string?)json["relPath"]);
    }

    [Fact]
    public void Decode_to_wis_writes_a_wnm_feature_with_its_canonical_link()
    {
        var (code, output, _) = Run(string.Empty, "decode", "--to", "wis", Fixture("amqp_v03/post_sha512.json"));
        Assert.Equal(0, code);
        var wis = JsonNode.Parse(output)!;
        Assert.Equal("Feature", (string?)wis["type"]);
        Assert.Equal("http://wis.wmo.int/spec/wnm/1/conf/core", (string?)wis["conformsTo"]![0]);
        Assert.True(Guid.TryParse((string?)wis["id"], out _));
        Assert.Equal("2026-11-23T18:30:58.097723484Z", (string?)wis["properties"]!["pubtime"]);
        Assert.Equal("samples/s_sha512.txt", (string?)wis["properties"]!["data_id"]);
        Assert.Equal("http://127.0.0.1:8091/samples/s_sha512.txt", (string?)wis["links"]![0]!["href"]);
        Assert.Equal("canonical", (string?)wis["links"]![0]!["rel"]);
        Assert.Equal(43, (long?)wis["links"]![0]!["length"]);
    }

    [Fact]
    public void A_bad_message_exits_1_and_names_the_field_on_stderr()
    {
        var (code, output, error) = Run("{\"pubTime\": \"20261123T183058\", \"baseUrl\": \"http://h/\"}", "decode", "-");
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Contains("relPath: missing", error);
    }

    [Fact]
    public void A_missing_file_exits_1_with_its_name()
    {
        var (code, _, error) = Run(string.Empty, "decode", "/nonexistent/message.json");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/message.json", error);
    }
}
