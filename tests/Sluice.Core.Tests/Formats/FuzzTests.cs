using System.Text;
using CsCheck;
using Sluice.Core.Formats;

namespace Sluice.Core.Tests.Formats;

/// <summary>
/// Feeds random and mutated messages to every decoder: each either decodes (and then re-encodes and decodes
/// again to the same bytes) or throws <see cref="MessageFormatException"/>; nothing else, and nothing hangs.
/// </summary>
public class FuzzTests
{
    private const int Iterations = 100_000;

    private static readonly string[] Substitutes =
    [
        "null", "-1", "1e999", "1.5", "\"\"", "\"x\"", "{}", "[]", "true", "\"\\ud800\"", "\"\\u0000\"",
        "9223372036854775808", "{\"method\": \"sha512\"}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "\"20261123T183058\"", "\"../../etc/passwd\"", "{\"remove\": \"\", \"directory\": \"\"}",
    ];

    private static readonly byte[][] JsonSeeds = LoadSeeds(json: true);

    private static readonly byte[][] TextSeeds = LoadSeeds(json: false);

    private static readonly byte[] WisSeed = Encoding.UTF8.GetBytes(
        """{"id": "31e9d66a-cd83-4174-9429-b932f1abe1be", "conformsTo": ["http://wis.wmo.int/spec/wnm/1/conf/core"], "version": "v04", "type": "Feature", "geometry": {"type": "Point", "coordinates": [6.1, 46.2]}, "properties": {"pubtime": "2022-03-20T04:50:18Z", "datetime": "2022-03-20T04:45:00Z", "integrity": {"method": "sha512", "value": "A2KNxvks+S8qfSCwA2KNxvks+S8qfSCwA2KNxvks+S8qfSCwA2KNxvks+S8qfSCwA2KNxvks+S8qfSCwA2KNxvks+w=="}, "data_id": "a/b/c.bufr4", "content": {"encoding": "utf-8", "value": "abc", "size": 3}}, "links": [{"href": "https://example.org/data/x.bufr4", "rel": "canonical", "type": "application/bufr", "length": 3}, {"href": "https://example.org/items/x", "rel": "item"}]}""");

    private static byte[][] LoadSeeds(bool json)
    {
        var seeds = new List<byte[]>();
        foreach (var sub in new[] { "amqp_v03", "amqp_v02", "mqtt" })
        {
            foreach (var file in Fixtures.MessageFiles(sub))
            {
                var wire = CapturedMessage.Parse(File.ReadAllBytes(file)).Wire;
                var isJson = wire.Body.Span.Length > 0 && wire.Body.Span[0] == (byte)'{';
                if (isJson == json)
                {
                    seeds.Add(wire.Body.ToArray());
                }
            }
        }

        return [.. seeds];
    }

    /// <summary>Applies edits to a seed: flip, insert, delete a byte, truncate, or put an odd JSON value after a colon.</summary>
    private static byte[] Mutate(byte[] seed, (int Kind, int Position, byte Value, int Pick)[] edits)
    {
        var bytes = new List<byte>(seed);
        foreach (var (kind, position, value, pick) in edits)
        {
            if (bytes.Count == 0)
            {
                break;
            }

            var at = (int)((uint)position % (uint)bytes.Count);
            switch (kind)
            {
                case 0: bytes[at] = value; break;
                case 1: bytes.Insert(at, value); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                default:
                    var colon = bytes.IndexOf((byte)':', at);
                    if (colon >= 0)
                    {
                        var end = colon + 1;
                        var depth = 0;
                        while (end < bytes.Count && (depth > 0 || (bytes[end] != (byte)',' && bytes[end] != (byte)'}')))
                        {
                            depth += bytes[end] is (byte)'{' or (byte)'[' ? 1 : bytes[end] is (byte)'}' or (byte)']' ? -1 : 0;
                            end++;
                        }

                        bytes.RemoveRange(colon + 1, end - colon - 1);
                        bytes.InsertRange(colon + 1, Encoding.UTF8.GetBytes(" " + Substitutes[(int)((uint)pick % (uint)Substitutes.Length)]));
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static Gen<byte[]> Mutated(byte[][] seeds) =>
        Gen.Select(
            Gen.Int[0, seeds.Length - 1],
            Gen.Select(Gen.Int[0, 4], Gen.Int, Gen.Byte, Gen.Int).Array[1, 6])
        .Select((seed, edits) => Mutate(seeds[seed], edits));

    private static Gen<byte[]> Inputs(byte[][] seeds) =>
        Gen.Frequency((8, Mutated(seeds)), (1, Gen.Byte.Array[0, 300]), (1, Gen.Char.AlphaNumeric.Array[0, 80].Select(c => Encoding.UTF8.GetBytes(new string(c)))));

    private static void DecodeOrRefuse(IMessageFormat format, byte[] body, IReadOnlyList<KeyValuePair<string, string>> headers, string[] prefix)
    {
        var wire = new WireMessage([], headers, format.ContentType, body);
        Sluice.Core.Messages.NotificationMessage message;
        try
        {
            message = format.Decode(wire);
        }
        catch (MessageFormatException)
        {
            return;
        }

        // What decodes must encode, and encode stably.
        WireMessage once, twice;
        try
        {
            once = format.Encode(message, prefix);
            twice = format.Encode(format.Decode(once), prefix);
        }
        catch (MessageFormatException)
        {
            return;
        }

        if (format is not WisFormat)
        {
            Assert.Equal(once.Body.ToArray(), twice.Body.ToArray());
            Assert.Equal(once.Headers, twice.Headers);
        }
    }

    [Fact]
    public void V03_decoder_survives_random_and_mutated_messages() =>
        Inputs(JsonSeeds).Sample(body => DecodeOrRefuse(V03Format.Instance, body, [], ["v03"]), iter: Iterations);

    [Fact]
    public void V02_decoder_survives_random_and_mutated_messages()
    {
        var headerSets = Fixtures.MessageFiles("amqp_v02").Select(f => CapturedMessage.Parse(File.ReadAllBytes(f)).Wire.Headers).ToArray();
        var headerGen = Gen.Int[0, headerSets.Length - 1].SelectMany(i =>
            Gen.Select(Gen.Int[0, 9], Gen.String[0, 30]).Select((drop, junk) =>
            {
                var headers = headerSets[i].ToList();
                if (headers.Count > 0 && drop < headers.Count)
                {
                    headers[drop] = new(headers[drop].Key, junk);
                }

                return (IReadOnlyList<KeyValuePair<string, string>>)headers;
            }));
        Gen.Select(Inputs(TextSeeds), headerGen).Sample((body, headers) => DecodeOrRefuse(V02Format.Instance, body, headers, ["v02", "post"]), iter: Iterations);
    }

    [Fact]
    public void Wis_decoder_survives_random_and_mutated_messages() =>
        Inputs([WisSeed, .. JsonSeeds.Take(2)]).Sample(body => DecodeOrRefuse(WisFormat.Instance, body, [], []), iter: Iterations);

    [Fact]
    public void Captured_message_reader_survives_random_and_mutated_documents()
    {
        var documents = new[] { "amqp_v03", "amqp_v02", "mqtt" }.SelectMany(Fixtures.MessageFiles).Select(File.ReadAllBytes).ToArray();
        Inputs(documents).Sample(
            doc =>
            {
                try
                {
                    var captured = CapturedMessage.Parse(doc);
                    _ = MessageFormats.Decode(captured.Wire);
                }
                catch (MessageFormatException)
                {
                }
            },
            iter: Iterations / 4);
    }
}
