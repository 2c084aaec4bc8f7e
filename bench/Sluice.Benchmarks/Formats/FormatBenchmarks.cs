using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Sluice.Core.Formats;

namespace Sluice.Benchmarks.Formats;

/// <summary>
/// Decode + encode of one sr3 message in each format, beside a plain System.Text.Json document parse of
/// the same body (the floor any JSON decoder pays).
/// </summary>
[MemoryDiagnoser]
public class FormatBenchmarks
{
    // amqp_v03/post_sha512.json, as sr3 published it.
    private static readonly byte[] V03Body = Encoding.UTF8.GetBytes(
        """{"pubTime": "20261123T183058.097723484", "relPath": "samples/s_sha512.txt", "baseUrl": "http://127.0.0.1:8091/", "from_cluster": "localhost", "source": "tfeed", "mode": "644", "size": 43, "mtime": "20261123T183054.862718105", "atime": "20261123T183054.862718105", "identity": {"method": "sha512", "value": "ZLImADZmjpJJhiriQHLkU3D6IYmSIH0BPKW/P61/ehD0GqIl/pdquKplvSZUA4nHcVfGx/qJOL6BCw37LhsksQ=="}, "contentType": "text/plain"}""");

    private static readonly string[] V03Prefix = ["v03"];
    private static readonly string[] V02Prefix = ["v02", "post"];

    private WireMessage _v03 = null!;
    private WireMessage _v02 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _v03 = new WireMessage(["v03", "samples"], [], "application/json", V03Body);
        _v02 = V02Format.Instance.Encode(V03Format.DecodeBody(V03Body), V02Prefix);
    }

    [Benchmark(Baseline = true, Description = "raw: JsonDocument.Parse of the v03 body")]
    public int JsonDocumentParse()
    {
        using var doc = JsonDocument.Parse(V03Body);
        return doc.RootElement.GetPropertyCount();
    }

    [Benchmark(Description = "v03 decode")]
    public long V03Decode() => V03Format.Instance.Decode(_v03).Size ?? 0;

    [Benchmark(Description = "v03 decode + encode")]
    public int V03DecodeEncode() => V03Format.Instance.Encode(V03Format.Instance.Decode(_v03), V03Prefix).Body.Length;

    [Benchmark(Description = "v02 decode + encode")]
    public int V02DecodeEncode() => V02Format.Instance.Encode(V02Format.Instance.Decode(_v02), V02Prefix).Body.Length;

    [Benchmark(Description = "wis encode")]
    public int WisEncode() => WisFormat.Instance.Encode(V03Format.Instance.Decode(_v03), []).Body.Length;
}
