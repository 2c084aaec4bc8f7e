using System.Text;
using Sluice.Core.Formats;

namespace Sluice.Core.Tests.Formats;

/// <summary>Malformed messages get a MessageFormatException naming the field at fault, never another exception.</summary>
public class BadInputTests
{
    private const string Good = """{"pubTime": "20261123T183058.097723484", "relPath": "a/b.txt", "baseUrl": "http://h/", "size": 4, "identity": {"method": "md5", "value": "oxddUjBsCZjGeJgZQ2nH8Q=="}}""";

    private static MessageFormatException V03(string body) => V03Bytes(Encoding.UTF8.GetBytes(body));

    private static MessageFormatException V03Bytes(byte[] body) =>
        Assert.Throws<MessageFormatException>(() => V03Format.Instance.Decode(new WireMessage([], [], "application/json", body)));

    [Fact]
    public void The_good_message_used_below_decodes() => Assert.Equal(4, V03Format.DecodeBody(Encoding.UTF8.GetBytes(Good)).Size);

    [Theory]
    [InlineData("", "body")]
    [InlineData("   ", "body")]
    [InlineData("not json", "body")]
    [InlineData("[1, 2]", "body")]
    [InlineData("{\"pubTime\": \"20261123T183058\"", "body")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\"} trailing", "body")]
    [InlineData("{\"relPath\": \"a\", \"baseUrl\": \"http://h/\"}", "pubTime")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"baseUrl\": \"http://h/\"}", "relPath")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\"}", "baseUrl")]
    [InlineData("{\"pubTime\": 20261123, \"relPath\": \"a\", \"baseUrl\": \"b\"}", "pubTime")]
    [InlineData("{\"pubTime\": \"yesterday\", \"relPath\": \"a\", \"baseUrl\": \"b\"}", "pubTime")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": [\"a\"], \"baseUrl\": \"b\"}", "relPath")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"size\": -1}", "size")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"size\": 1.5}", "size")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"size\": 1e300}", "size")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"size\": 9223372036854775807}", "size")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"size\": \"lots\"}", "size")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"size\": true}", "size")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"identity\": \"sha512\"}", "identity")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"identity\": {\"value\": \"x\"}}", "identity.method")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"identity\": {\"method\": \"md5\", \"value\": \"!!notbase64!!\"}}", "identity.value")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"identity\": {\"method\": \"sha512\", \"value\": \"oxddUjBsCZjGeJgZQ2nH8Q==\"}}", "identity.value")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"identity\": {\"method\": \"cod\", \"value\": \"crc\"}}", "identity.value")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"blocks\": {\"method\": \"inplace\", \"size\": 10, \"number\": 3, \"count\": 2}}", "blocks.number")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"blocks\": {\"method\": \"sideways\", \"size\": 10, \"number\": 0}}", "blocks.method")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"blocks\": {\"method\": \"inplace\", \"size\": 0, \"number\": 0}}", "blocks.size")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"blocks\": {\"method\": \"inplace\", \"size\": 10, \"number\": 0, \"manifest\": {\"x\": {}}}}", "blocks.manifest")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"fileOp\": \"remove\"}", "fileOp")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"fileOp\": {\"link\": 5}}", "fileOp.link")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"content\": {\"encoding\": \"base64\", \"value\": \"%%%\"}}", "content.value")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"content\": {\"value\": \"x\"}}", "content.encoding")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"mtime\": \"soon\"}", "mtime")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"mode\": \"999\"}", "mode")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"report\": {\"code\": \"ok\"}}", "report.code")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"report\": {\"code\": 99999}}", "report.code")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"report\": {\"message\": \"x\"}}", "report.code")]
    [InlineData("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"extra\": [1, 2,}", "extra")]
    public void Malformed_v03_body_names_the_field(string body, string field)
    {
        var ex = V03(body);
        Assert.Equal(field, ex.Field);
        Assert.StartsWith(field + ": ", ex.Message);
    }

    [Fact]
    public void Deeply_nested_json_is_refused_without_recursing()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var ex = V03("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"x\": " + deep + "}");
        Assert.Equal("x", ex.Field);
        Assert.Contains("depth", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Invalid_utf8_in_a_field_names_the_field()
    {
        var body = Encoding.UTF8.GetBytes("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a@b\", \"baseUrl\": \"b\"}");
        body[Array.IndexOf(body, (byte)'@')] = 0xFF;
        var ex = V03Bytes(body);
        Assert.Equal("relPath", ex.Field);
        Assert.Contains("UTF-8", ex.Message);
    }

    [Fact]
    public void Invalid_utf8_in_an_unknown_header_is_refused()
    {
        var body = Encoding.UTF8.GetBytes("{\"pubTime\": \"20261123T183058\", \"relPath\": \"a\", \"baseUrl\": \"b\", \"h\": \"@\"}");
        body[Array.IndexOf(body, (byte)'@')] = 0xC3;
        Assert.Equal("h", V03Bytes(body).Field);
    }

    private static MessageFormatException V02(string body, params (string Key, string Value)[] headers) =>
        Assert.Throws<MessageFormatException>(() => V02Format.Instance.Decode(
            new WireMessage([], headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value)).ToList(), "text/plain", Encoding.UTF8.GetBytes(body))));

    [Theory]
    [InlineData("", "body")]
    [InlineData("20261123183211.17 http://h/", "body")]
    [InlineData("2026 http://h/ a/b", "pubTime")]
    public void Malformed_v02_body_names_the_field(string body, string field) => Assert.Equal(field, V02(body).Field);

    [Theory]
    [InlineData("20261123183211.17 http://h/ a/b\f junk")]
    [InlineData("20261123183211.17 http://h/ a/b\n junk")]
    [InlineData("20261123183211.17\thttp://h/\ta/b\n")]
    public void A_v02_body_is_split_at_any_whitespace_as_sr3_splits_it_and_decodes_the_same_once_encoded(string body)
    {
        var wire = new WireMessage([], [], "text/plain", Encoding.UTF8.GetBytes(body));
        var m = V02Format.Instance.Decode(wire);

        Assert.Equal(("http://h/", "a/b"), (m.BaseUrl, m.RelPath));
        Assert.Equal("a/b", V02Format.Instance.Decode(V02Format.Instance.Encode(m, ["v02", "post"])).RelPath);
    }

    [Theory]
    [InlineData("sum", "x,123", "sum")]
    [InlineData("sum", "s", "sum")]
    [InlineData("sum", "s,12zz", "sum")]
    [InlineData("sum", "d,0123", "sum")]
    [InlineData("sum", "L,abc", "sum")]
    [InlineData("sum", "z,q", "sum")]
    [InlineData("parts", "1,43,1,0", "parts")]
    [InlineData("parts", "1,-5,1,0,0", "parts")]
    [InlineData("parts", "x,43,1,0,0", "parts")]
    [InlineData("parts", "i,10,0,0,0", "parts")]
    [InlineData("parts", "i,10,2,10,2", "parts")]
    [InlineData("mtime", "noon", "mtime")]
    [InlineData("atime", "2026", "atime")]
    public void Malformed_v02_header_names_the_header(string key, string value, string field) =>
        Assert.Equal(field, V02("20261123183211.17 http://h/ a/b", (key, value)).Field);

    private static MessageFormatException Wis(string body) =>
        Assert.Throws<MessageFormatException>(() => WisFormat.Instance.Decode(new WireMessage([], [], "application/geo+json", Encoding.UTF8.GetBytes(body))));

    [Theory]
    [InlineData("{\"type\": \"Feature\", \"version\": \"v04\", \"properties\": {\"pubtime\": \"2026-11-23T18:30:58Z\"}}", "links")]
    [InlineData("{\"type\": \"Feature\", \"version\": \"v04\", \"properties\": {\"pubtime\": \"2026-11-23T18:30:58Z\"}, \"links\": {}}", "links")]
    [InlineData("{\"type\": \"Feature\", \"version\": \"v04\", \"properties\": {\"pubtime\": \"2026-11-23T18:30:58Z\"}, \"links\": [{\"rel\": \"canonical\"}]}", "links[0].href")]
    [InlineData("{\"type\": \"Feature\", \"version\": \"v04\", \"properties\": {\"pubtime\": \"never\"}, \"links\": [{\"href\": \"http://h/a\", \"rel\": \"canonical\"}]}", "properties.pubtime")]
    [InlineData("{\"type\": \"Feature\", \"version\": \"v04\", \"properties\": {}, \"links\": [{\"href\": \"http://h/a\", \"rel\": \"canonical\"}]}", "properties.pubtime")]
    [InlineData("{\"type\": \"Point\", \"version\": \"v04\", \"properties\": {}, \"links\": []}", "type")]
    [InlineData("{\"type\": \"Feature\", \"properties\": {\"pubtime\": \"2026-11-23T18:30:58Z\"}, \"links\": [{\"href\": \"http://h/a\", \"rel\": \"canonical\"}]}", "version")]
    [InlineData("{\"type\": \"Feature\", \"version\": \"v04\", \"properties\": {\"pubtime\": \"2026-11-23T18:30:58Z\", \"integrity\": {\"method\": \"sha256\", \"value\": \"abc\"}}, \"links\": [{\"href\": \"http://h/a\", \"rel\": \"canonical\"}]}", "properties.integrity.value")]
    [InlineData("{\"type\": \"Feature\", \"version\": \"v04\", \"properties\": {\"pubtime\": \"2026-11-23T18:30:58Z\"}, \"links\": [{\"href\": \"relative/a\", \"rel\": \"canonical\"}]}", "links.href")]
    public void Malformed_wis_message_names_the_field(string body, string field) => Assert.Equal(field, Wis(body).Field);
}
