using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Messages;

namespace Sluice.Core.Formats;

/// <summary>
/// sr3's legacy v02 format: the body is <c>"&lt;pubTime&gt; &lt;baseUrl&gt; &lt;relPath&gt;"</c> and every other field
/// is a header (AMQP application header or MQTT user property): <c>sum</c>, <c>parts</c>, <c>mtime</c>, ...
/// </summary>
/// <remarks>
/// Converts to and from the v03 model as sr3 does, with three deliberate differences: an incoming
/// <c>to_clusters</c> header is kept (sr3 resets it to ALL); <c>%20</c> and <c>%23</c> are decoded in the relPath
/// as well as in the baseUrl (sr3 encodes both on output but decodes only the baseUrl); and a link's target
/// is written in a <c>link</c> header, so v2 receivers can make the link (sr3 3 leaves it out).
/// </remarks>
internal sealed class V02Format : IMessageFormat
{
    public static readonly V02Format Instance = new();

    private static readonly string[] Prefix = ["v02", "post"];

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public string Name => "v02";

    public string ContentType => "text/plain";

    public IReadOnlyList<string> DefaultTopicPrefix => Prefix;

    public NotificationMessage Decode(WireMessage wire)
    {
        try
        {
            return Read(wire);
        }
        catch (MessageFormatException)
        {
            throw;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or InvalidOperationException)
        {
            throw new MessageFormatException("body", ex.Message, ex);
        }
    }

    public WireMessage Encode(NotificationMessage message, IReadOnlyList<string> topicPrefix)
    {
        var body = string.Concat(SrTime.V03ToV02(message.PubTime), " ", Escape(message.BaseUrl), " ", Escape(message.RelPath));
        return new WireMessage(Topics.Derive(topicPrefix, message.RelPath), EncodeHeaders(message), ContentType, Encoding.UTF8.GetBytes(body));
    }

    private static NotificationMessage Read(WireMessage wire)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(wire.Body.Span);
        }
        catch (DecoderFallbackException ex)
        {
            throw new MessageFormatException("body", "invalid UTF-8", ex);
        }

        // Words are split at any whitespace, as sr3 splits them (Python's str.split()): a word never holds a
        // character that a later decode of the same message would trim or split at.
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3)
        {
            throw new MessageFormatException("body", $"expected \"<pubTime> <baseUrl> <relPath>\", found \"{JsonFields.Truncate(text)}\"");
        }

        string pubTime;
        try
        {
            pubTime = SrTime.V02ToV03(words[0]);
        }
        catch (FormatException ex)
        {
            throw new MessageFormatException("pubTime", ex.Message, ex);
        }

        var m = new NotificationMessage(pubTime, Unescape(words[1]), Unescape(words[2]));
        var order = new FieldsBuilder();
        string? sum = null, parts = null, link = null, oldname = null;

        foreach (var (name, value) in wire.Headers)
        {
            switch (name)
            {
                case "sum": sum = value; break;
                case "parts": parts = value; break;
                case "link": link = value; break;
                case "oldname": oldname = value; break;
                case "mtime":
                    m.Mtime = Time(value, "mtime");
                    order.Add(MessageField.Mtime);
                    break;
                case "atime":
                    m.Atime = Time(value, "atime");
                    order.Add(MessageField.Atime);
                    break;
                case "mode":
                    m.Mode = value;
                    order.Add(MessageField.Mode);
                    break;
                case "source":
                    m.Source = value;
                    order.Add(MessageField.Source);
                    break;
                case "from_cluster":
                    m.FromCluster = value;
                    order.Add(MessageField.FromCluster);
                    break;
                case "to_clusters":
                    m.ToClusters = value;
                    order.Add(MessageField.ToClusters);
                    break;
                case "contentType":
                    m.ContentType = value;
                    order.Add(MessageField.ContentType);
                    break;
                case "rename":
                    m.Rename = value;
                    order.Add(MessageField.Rename);
                    break;
                case "retrievePath":
                    m.RetrievePath = value;
                    order.Add(MessageField.RetrievePath);
                    break;
                default:
                    if (m.FindHeader(name) is null)
                    {
                        order.Add(MessageField.Header);
                    }

                    m.SetHeader(Header.FromString(name, value));
                    break;
            }
        }

        order.Add(MessageField.PubTime);
        order.Add(MessageField.BaseUrl);
        order.Add(MessageField.RelPath);
        if (sum is not null)
        {
            ApplySum(m, sum, link, oldname, order);
        }
        else if (link is not null || oldname is not null)
        {
            m.FileOp = new FileOp { Link = link, Rename = oldname };
            order.Add(MessageField.FileOp);
        }

        if (parts is not null)
        {
            V03Format.ApplyParts(m, parts, "parts", order);
        }

        m.FieldOrder = order.ToArray();
        return m;
    }

    private static string Time(string value, string field)
    {
        try
        {
            return SrTime.V02ToV03(value);
        }
        catch (FormatException ex)
        {
            throw new MessageFormatException(field, ex.Message, ex);
        }
    }

    private static void ApplySum(NotificationMessage m, string sum, string? link, string? oldname, FieldsBuilder order)
    {
        if (sum.Length < 2 || sum[1] != ',')
        {
            throw new MessageFormatException("sum", $"expected <flag>,<value>, found \"{JsonFields.Truncate(sum)}\"");
        }

        var flag = sum[0];
        var value = sum[2..];
        Identity? identity = flag switch
        {
            '0' => new Identity("random", value),
            'a' => new Identity("arbitrary", value),
            'd' => new Identity("md5", HexToBase64(value, 16)),
            's' => new Identity("sha512", HexToBase64(value, 64)),
            'z' => new Identity("cod", CodAlgorithm(value)),
            'n' or 'L' or 'R' or 'm' or 'r' => null,
            _ => throw new MessageFormatException("sum", $"unknown flag '{flag}' (0 a d s n z L R m r)"),
        };

        FileOp? op = flag switch
        {
            'R' => new FileOp { Remove = string.Empty },
            'm' => new FileOp { Directory = string.Empty },
            'r' => new FileOp { Remove = string.Empty, Directory = string.Empty },
            'L' when link is not null => new FileOp { Link = link },
            _ => link is not null ? new FileOp { Link = link } : null,
        };

        if (oldname is not null)
        {
            op = (op ?? new FileOp()) with { Rename = oldname };
        }

        if (flag is 'n' || (flag is 'L' && link is null))
        {
            // Not expressible in v03: keep it so the message re-encodes to v02 as it came.
            m.V02Sum = sum;
        }

        if (flag is 'L' or 'R' or 'm' or 'r')
        {
            // The value is the sha512 of the link target or of the name: a fingerprint, not the data's.
            if (!IsHex(value, 64))
            {
                throw new MessageFormatException("sum", $"'{flag}' needs 128 hex digits, found \"{JsonFields.Truncate(value)}\"");
            }
        }

        if (op is not null)
        {
            m.FileOp = op;
            order.Add(MessageField.FileOp);
        }

        if (identity is not null)
        {
            m.Identity = identity;
            order.Add(MessageField.Identity);
        }
    }

    private static string CodAlgorithm(string value) => value switch
    {
        "s" or "sha512" => "sha512",
        "d" or "md5" => "md5",
        "sha256" or "sha384" => value,
        _ => throw new MessageFormatException("sum", $"cod needs the checksum to compute (s or d), found \"{JsonFields.Truncate(value)}\""),
    };

    private static string HexToBase64(string hex, int bytes)
    {
        if (!IsHex(hex, bytes))
        {
            throw new MessageFormatException("sum", $"expected {bytes * 2} hex digits, found \"{JsonFields.Truncate(hex)}\"");
        }

        return Convert.ToBase64String(Convert.FromHexString(hex));
    }

    private static bool IsHex(string text, int bytes)
    {
        if (text.Length != bytes * 2)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static List<KeyValuePair<string, string>> EncodeHeaders(NotificationMessage m)
    {
        var headers = new List<KeyValuePair<string, string>>(12);
        var order = m.FieldOrder;
        Span<bool> written = stackalloc bool[(int)MessageField.Header];
        var headerIndex = 0;
        if (order is not null)
        {
            foreach (var field in order)
            {
                if (field == MessageField.Header)
                {
                    if (headerIndex < m.Headers.Count)
                    {
                        var h = m.Headers[headerIndex++];
                        headers.Add(new(h.Name, h.StringValue));
                    }
                }
                else if (!written[(int)field])
                {
                    written[(int)field] = true;
                    AddField(headers, m, field);
                }
            }
        }

        for (var field = MessageField.Blocks; field < MessageField.Header; field++)
        {
            if (!written[(int)field])
            {
                AddField(headers, m, field);
            }
        }

        for (; headerIndex < m.Headers.Count; headerIndex++)
        {
            headers.Add(new(m.Headers[headerIndex].Name, m.Headers[headerIndex].StringValue));
        }

        if (m.Blocks is { } blocks)
        {
            var count = blocks.EffectiveCount ?? throw new MessageFormatException("blocks.count", "v02 needs the number of blocks");
            var method = blocks.Method == "inplace" ? 'i' : 'p';
            headers.Add(new("parts", FormattableString.Invariant($"{method},{blocks.Size},{count},{m.Size ?? blocks.Size},{blocks.Number}")));
        }
        else if (m.Size is { } size)
        {
            headers.Add(new("parts", FormattableString.Invariant($"1,{size},1,0,0")));
        }

        if (m.FileOp?.Rename is { } oldname)
        {
            headers.Add(new("oldname", oldname));
        }

        if (m.FileOp?.Link is { } link)
        {
            headers.Add(new("link", link));
        }

        headers.Add(new("sum", Sum(m)));
        return headers;
    }

    private static void AddField(List<KeyValuePair<string, string>> headers, NotificationMessage m, MessageField field)
    {
        switch (field)
        {
            case MessageField.RetrievePath when m.RetrievePath is not null: headers.Add(new("retrievePath", m.RetrievePath)); break;
            case MessageField.Rename when m.Rename is not null: headers.Add(new("rename", m.Rename)); break;
            case MessageField.FromCluster when m.FromCluster is not null: headers.Add(new("from_cluster", m.FromCluster)); break;
            case MessageField.Source when m.Source is not null: headers.Add(new("source", m.Source)); break;
            case MessageField.ToClusters when m.ToClusters is not null: headers.Add(new("to_clusters", m.ToClusters)); break;
            case MessageField.Mode when m.Mode is not null: headers.Add(new("mode", m.Mode)); break;
            case MessageField.Mtime when m.Mtime is not null: headers.Add(new("mtime", SrTime.V03ToV02(m.Mtime))); break;
            case MessageField.Atime when m.Atime is not null: headers.Add(new("atime", SrTime.V03ToV02(m.Atime))); break;
            case MessageField.ContentType when m.ContentType is not null: headers.Add(new("contentType", m.ContentType)); break;
            case MessageField.Type when m.Type is not null: headers.Add(new("type", m.Type)); break;
            case MessageField.Geometry when m.Geometry is not null: headers.Add(new("geometry", m.Geometry)); break;
            case MessageField.Report when m.Report is not null:
                headers.Add(new("report", FormattableString.Invariant($"{m.Report.Code} {m.Report.Message}")));
                break;
            default:
                break;
        }
    }

    private static string Sum(NotificationMessage m)
    {
        var op = m.FileOp;
        if (op is { IsRemove: true })
        {
            return "R," + Sha512Hex(m.FileName);
        }

        if (op is { Link: { } target, Rename: null })
        {
            return "L," + Sha512Hex(target);
        }

        if (op is { IsDirectory: true })
        {
            return "m," + Sha512Hex(m.FileName);
        }

        if (m.Identity is null && m.V02Sum is not null)
        {
            return m.V02Sum;
        }

        var identity = m.Identity;
        if (identity is null)
        {
            return "n," + Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(m.FileName)));
        }

        return identity.Method switch
        {
            "md5" => "d," + Base64ToHex(identity.Value),
            "sha512" => "s," + Base64ToHex(identity.Value),
            "random" => "0," + identity.Value,
            "cod" => "z," + (identity.Value switch { "sha512" => "s", "md5" => "d", _ => identity.Value }),
            // v02 has no flag for other methods: carry the value as arbitrary.
            _ => "a," + identity.Value,
        };
    }

    private static string Base64ToHex(string? value)
    {
        try
        {
            return Convert.ToHexStringLower(Convert.FromBase64String(value ?? string.Empty));
        }
        catch (FormatException ex)
        {
            throw new MessageFormatException("identity.value", "not valid base64", ex);
        }
    }

    private static string Sha512Hex(string text) => Convert.ToHexStringLower(SHA512.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Escape(string path) => path.Replace(" ", "%20").Replace("#", "%23");

    private static string Unescape(string path) => path.Replace("%20", " ").Replace("%23", "#");
}
