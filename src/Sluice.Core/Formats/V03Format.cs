using System.Text.Json;
using Sluice.Core.Messages;

namespace Sluice.Core.Formats;

/// <summary>
/// sr3's v03 format: the message is a JSON object in the body; the topic (<c>v03.dir.dir</c>) travels
/// beside it (AMQP routing key, MQTT topic). Legacy names are read too: <c>integrity</c> is identity,
/// <c>retPath</c> is retrievePath, and a v2 <c>parts</c> header becomes size or blocks.
/// </summary>
internal sealed class V03Format : IMessageFormat
{
    public static readonly V03Format Instance = new();

    private static readonly string[] Prefix = ["v03"];

    public string Name => "v03";

    public string ContentType => "application/json";

    public IReadOnlyList<string> DefaultTopicPrefix => Prefix;

    public NotificationMessage Decode(WireMessage wire) => DecodeBody(wire.Body.Span);

    public WireMessage Encode(NotificationMessage message, IReadOnlyList<string> topicPrefix) =>
        new(Topics.Derive(topicPrefix, message.RelPath), [], ContentType, EncodeBody(message));

    /// <summary>Decodes a v03 JSON body.</summary>
    /// <exception cref="MessageFormatException">Malformed; the exception names the field.</exception>
    public static NotificationMessage DecodeBody(ReadOnlySpan<byte> body)
    {
        var field = "body";
        try
        {
            return Read(body, ref field);
        }
        catch (MessageFormatException)
        {
            throw;
        }
        catch (JsonException ex)
        {
            throw new MessageFormatException(field, $"not valid JSON ({ex.Message})", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            throw new MessageFormatException(field, ex.Message, ex);
        }
    }

    /// <summary>Encodes the body as sr3 writes it (Python's json.dumps), in the message's field order.</summary>
    public static byte[] EncodeBody(NotificationMessage message)
    {
        using var writer = new PyJsonWriter();
        Write(writer, message);
        return writer.ToArray();
    }

    internal static void Write(PyJsonWriter writer, NotificationMessage message)
    {
        writer.StartObject();
        var order = message.FieldOrder;
        Span<bool> written = stackalloc bool[(int)MessageField.Header];
        var headerIndex = 0;
        if (order is not null)
        {
            foreach (var field in order)
            {
                if (field == MessageField.Header)
                {
                    if (headerIndex < message.Headers.Count)
                    {
                        var header = message.Headers[headerIndex++];
                        writer.Name(header.Name);
                        writer.Raw(header.RawJson);
                    }
                }
                else if (!written[(int)field])
                {
                    written[(int)field] = true;
                    WriteField(writer, message, field);
                }
            }
        }

        for (var field = MessageField.Blocks; field < MessageField.Header; field++)
        {
            if (!written[(int)field])
            {
                WriteField(writer, message, field);
            }
        }

        for (; headerIndex < message.Headers.Count; headerIndex++)
        {
            var header = message.Headers[headerIndex];
            writer.Name(header.Name);
            writer.Raw(header.RawJson);
        }

        writer.EndObject();
    }

    private static void WriteField(PyJsonWriter w, NotificationMessage m, MessageField field)
    {
        switch (field)
        {
            case MessageField.PubTime: w.Property("pubTime", m.PubTime); break;
            case MessageField.RelPath: w.Property("relPath", m.RelPath); break;
            case MessageField.BaseUrl: w.Property("baseUrl", m.BaseUrl); break;
            case MessageField.RetrievePath when m.RetrievePath is not null: w.Property("retrievePath", m.RetrievePath); break;
            case MessageField.Rename when m.Rename is not null: w.Property("rename", m.Rename); break;
            case MessageField.FromCluster when m.FromCluster is not null: w.Property("from_cluster", m.FromCluster); break;
            case MessageField.Source when m.Source is not null: w.Property("source", m.Source); break;
            case MessageField.ToClusters when m.ToClusters is not null: w.Property("to_clusters", m.ToClusters); break;
            case MessageField.Mode when m.Mode is not null: w.Property("mode", m.Mode); break;
            case MessageField.Size when m.Size is not null: w.Property("size", m.Size.Value); break;
            case MessageField.Mtime when m.Mtime is not null: w.Property("mtime", m.Mtime); break;
            case MessageField.Atime when m.Atime is not null: w.Property("atime", m.Atime); break;
            case MessageField.ContentType when m.ContentType is not null: w.Property("contentType", m.ContentType); break;
            case MessageField.Type when m.Type is not null: w.Property("type", m.Type); break;
            case MessageField.Geometry when m.Geometry is not null:
                w.Name("geometry");
                w.Raw(m.Geometry);
                break;
            case MessageField.Identity when m.Identity is not null:
                w.Name("identity");
                w.StartObject();
                w.Property("method", m.Identity.Method);
                w.Property("value", m.Identity.Value);
                w.EndObject();
                break;
            case MessageField.Blocks when m.Blocks is not null:
                WriteBlocks(w, m.Blocks);
                break;
            case MessageField.FileOp when m.FileOp is not null:
                WriteFileOp(w, m.FileOp);
                break;
            case MessageField.Content when m.Content is not null:
                w.Name("content");
                w.StartObject();
                w.Property("encoding", m.Content.Encoding);
                w.Property("value", m.Content.Value);
                w.EndObject();
                break;
            case MessageField.Report when m.Report is not null:
                w.Name("report");
                w.StartObject();
                w.Property("code", m.Report.Code);
                if (m.Report.TimeCompleted is not null)
                {
                    w.Property("timeCompleted", m.Report.TimeCompleted);
                }

                if (m.Report.Message is not null)
                {
                    w.Property("message", m.Report.Message);
                }

                WriteExtra(w, m.Report.Extra);
                w.EndObject();
                break;
            default:
                break;
        }
    }

    private static void WriteBlocks(PyJsonWriter w, Blocks blocks)
    {
        w.Name("blocks");
        w.StartObject();
        w.Property("method", blocks.Method);
        w.Property("size", blocks.Size);
        if (blocks.Count is not null)
        {
            w.Property("count", blocks.Count.Value);
        }

        if (blocks.Remainder is not null)
        {
            w.Property("remainder", blocks.Remainder.Value);
        }

        w.Property("number", blocks.Number);
        if (blocks.Manifest is not null)
        {
            w.Name("manifest");
            w.StartObject();
            foreach (var entry in blocks.Manifest)
            {
                w.Name(entry.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.StartObject();
                w.Property("size", entry.Size);
                w.Property("identity", entry.Identity);
                w.EndObject();
            }

            w.EndObject();
        }

        w.EndObject();
    }

    private static void WriteFileOp(PyJsonWriter w, FileOp op)
    {
        w.Name("fileOp");
        w.StartObject();
        if (op.Rename is not null)
        {
            w.Property("rename", op.Rename);
        }

        if (op.Link is not null)
        {
            w.Property("link", op.Link);
        }

        if (op.HLink is not null)
        {
            w.Property("hlink", op.HLink);
        }

        if (op.Remove is not null)
        {
            w.Property("remove", op.Remove);
        }

        if (op.Directory is not null)
        {
            w.Property("directory", op.Directory);
        }

        WriteExtra(w, op.Extra);
        w.EndObject();
    }

    private static void WriteExtra(PyJsonWriter w, IReadOnlyList<Header>? extra)
    {
        if (extra is null)
        {
            return;
        }

        foreach (var header in extra)
        {
            w.Name(header.Name);
            w.Raw(header.RawJson);
        }
    }

    private static NotificationMessage Read(ReadOnlySpan<byte> body, ref string field)
    {
        var reader = new Utf8JsonReader(body, JsonFields.ReaderOptions);
        if (!reader.Read())
        {
            throw new MessageFormatException("body", "empty");
        }

        JsonFields.ExpectStartObject(ref reader, "body");

        string? pubTime = null, baseUrl = null, relPath = null;
        var fields = new FieldsBuilder();
        var m = new NotificationMessage(string.Empty, string.Empty, string.Empty);

        while (JsonFields.Next(ref reader, field = "body") != JsonTokenType.EndObject)
        {
            var name = PropertyName(ref reader, out var known);
            field = name;
            JsonFields.Next(ref reader, field);
            switch (known)
            {
                case Known.PubTime:
                    pubTime = JsonFields.ReadString(ref reader, field);
                    if (!SrTime.IsV03(pubTime))
                    {
                        // sr3 itself sometimes carries v02 times; convert rather than refuse.
                        pubTime = ToV03Time(pubTime, field);
                    }

                    fields.Add(MessageField.PubTime);
                    break;
                case Known.BaseUrl:
                    baseUrl = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.BaseUrl);
                    break;
                case Known.RelPath:
                    relPath = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.RelPath);
                    break;
                case Known.RetrievePath:
                    m.RetrievePath = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.RetrievePath);
                    break;
                case Known.Rename:
                    m.Rename = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.Rename);
                    break;
                case Known.Identity:
                    m.Identity = reader.TokenType == JsonTokenType.Null ? null : JsonFields.ReadIdentity(ref reader, field);
                    fields.Add(MessageField.Identity);
                    break;
                case Known.Size:
                    m.Size = JsonFields.ReadInteger(ref reader, field, 0, JsonFields.MaxSize);
                    fields.Add(MessageField.Size);
                    break;
                case Known.Blocks:
                    m.Blocks = ReadBlocks(ref reader, field);
                    fields.Add(MessageField.Blocks);
                    break;
                case Known.Parts:
                    ApplyParts(m, JsonFields.ReadString(ref reader, field), field, fields);
                    break;
                case Known.FileOp:
                    m.FileOp = ReadFileOp(ref reader, body, field);
                    fields.Add(MessageField.FileOp);
                    break;
                case Known.Content:
                    m.Content = JsonFields.ReadContent(ref reader, field);
                    fields.Add(MessageField.Content);
                    break;
                case Known.ContentType:
                    m.ContentType = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.ContentType);
                    break;
                case Known.Mtime:
                    m.Mtime = ToV03Time(JsonFields.ReadString(ref reader, field), field);
                    fields.Add(MessageField.Mtime);
                    break;
                case Known.Atime:
                    m.Atime = ToV03Time(JsonFields.ReadString(ref reader, field), field);
                    fields.Add(MessageField.Atime);
                    break;
                case Known.Mode:
                    m.Mode = ReadMode(ref reader, field);
                    fields.Add(MessageField.Mode);
                    break;
                case Known.Source:
                    m.Source = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.Source);
                    break;
                case Known.FromCluster:
                    m.FromCluster = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.FromCluster);
                    break;
                case Known.ToClusters:
                    m.ToClusters = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.ToClusters);
                    break;
                case Known.Report:
                    m.Report = ReadReport(ref reader, body, field);
                    fields.Add(MessageField.Report);
                    break;
                case Known.Type:
                    m.Type = JsonFields.ReadString(ref reader, field);
                    fields.Add(MessageField.Type);
                    break;
                case Known.Geometry:
                    m.Geometry = JsonFields.ReadRaw(ref reader, body, field);
                    fields.Add(MessageField.Geometry);
                    break;
                default:
                    var raw = JsonFields.ReadRaw(ref reader, body, field);
                    var header = new Header(name, raw);
                    var existing = m.FindHeader(header.Name);
                    if (existing is null)
                    {
                        m.Headers.Add(header);
                        fields.Add(MessageField.Header);
                    }
                    else
                    {
                        m.SetHeader(header);
                    }

                    break;
            }
        }

        field = "body";
        if (reader.Read())
        {
            throw new MessageFormatException("body", "text after the end of the message object");
        }

        m.PubTime = pubTime ?? throw new MessageFormatException("pubTime", "missing (mandatory)");
        m.BaseUrl = baseUrl ?? throw new MessageFormatException("baseUrl", "missing (mandatory)");
        m.RelPath = relPath ?? throw new MessageFormatException("relPath", "missing (mandatory)");
        m.FieldOrder = fields.ToArray();
        return m;
    }

    private static string ToV03Time(string value, string field)
    {
        if (SrTime.IsV03(value))
        {
            return value;
        }

        try
        {
            return SrTime.V02ToV03(value);
        }
        catch (FormatException)
        {
            throw new MessageFormatException(field, $"\"{JsonFields.Truncate(value)}\" is not a time stamp YYYYMMDDTHHMMSS[.fraction]");
        }
    }

    private static string ReadMode(ref Utf8JsonReader reader, string field)
    {
        // sr3 writes the octal digits as a string; some writers give a number.
        var mode = reader.TokenType == JsonTokenType.Number
            ? JsonFields.ReadInteger(ref reader, field, 0, 7777).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : JsonFields.ReadString(ref reader, field);
        if (mode.Length is 0 or > 4)
        {
            throw new MessageFormatException(field, $"\"{JsonFields.Truncate(mode)}\" is not an octal permission");
        }

        foreach (var c in mode)
        {
            if (c is < '0' or > '7')
            {
                throw new MessageFormatException(field, $"\"{mode}\" is not an octal permission");
            }
        }

        return mode;
    }

    private static Blocks ReadBlocks(ref Utf8JsonReader reader, string field)
    {
        JsonFields.ExpectStartObject(ref reader, field);
        string? method = null;
        long? size = null, number = null, count = null, remainder = null;
        List<BlockEntry>? manifest = null;
        while (JsonFields.Next(ref reader, field) != JsonTokenType.EndObject)
        {
            var name = JsonFields.GetString(ref reader, field);
            var sub = field + "." + name;
            JsonFields.Next(ref reader, sub);
            switch (name)
            {
                case "method":
                    method = JsonFields.Intern(JsonFields.ReadString(ref reader, sub));
                    if (method is not ("inplace" or "partitioned"))
                    {
                        throw new MessageFormatException(sub, $"\"{JsonFields.Truncate(method)}\" is neither inplace nor partitioned");
                    }

                    break;
                case "size":
                    size = JsonFields.ReadInteger(ref reader, sub, 1, JsonFields.MaxSize);
                    break;
                case "number":
                    number = JsonFields.ReadInteger(ref reader, sub, 0, JsonFields.MaxSize);
                    break;
                case "count":
                    count = JsonFields.ReadInteger(ref reader, sub, 1, JsonFields.MaxSize);
                    break;
                case "remainder":
                    remainder = JsonFields.ReadInteger(ref reader, sub, 0, JsonFields.MaxSize);
                    break;
                case "manifest":
                    manifest = ReadManifest(ref reader, sub);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        var blocks = new Blocks(
            method ?? throw new MessageFormatException(field + ".method", "missing"),
            size ?? throw new MessageFormatException(field + ".size", "missing"),
            number ?? throw new MessageFormatException(field + ".number", "missing"))
        {
            Count = count,
            Remainder = remainder,
            Manifest = manifest,
        };
        if (blocks.EffectiveCount is { } n && blocks.Number >= n)
        {
            throw new MessageFormatException(field + ".number", $"block {blocks.Number} of a file of {n} blocks");
        }

        return blocks;
    }

    private static List<BlockEntry> ReadManifest(ref Utf8JsonReader reader, string field)
    {
        JsonFields.ExpectStartObject(ref reader, field);
        var entries = new List<BlockEntry>();
        while (JsonFields.Next(ref reader, field) != JsonTokenType.EndObject)
        {
            var key = JsonFields.GetString(ref reader, field);
            if (!long.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number > JsonFields.MaxSize)
            {
                throw new MessageFormatException(field, $"\"{JsonFields.Truncate(key)}\" is not a block number");
            }

            var sub = field + "." + key;
            JsonFields.Next(ref reader, sub);
            JsonFields.ExpectStartObject(ref reader, sub);
            long? size = null;
            string? identity = null;
            while (JsonFields.Next(ref reader, sub) != JsonTokenType.EndObject)
            {
                var name = JsonFields.GetString(ref reader, sub);
                JsonFields.Next(ref reader, sub + "." + name);
                switch (name)
                {
                    case "size":
                        size = JsonFields.ReadInteger(ref reader, sub + ".size", 0, JsonFields.MaxSize);
                        break;
                    case "identity":
                        identity = JsonFields.ReadNullableString(ref reader, sub + ".identity");
                        if (identity is not null && !IdentityValues.IsBase64(identity))
                        {
                            throw new MessageFormatException(sub + ".identity", "not valid base64");
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            entries.Add(new BlockEntry(number, size ?? throw new MessageFormatException(sub + ".size", "missing"), identity));
        }

        return entries;
    }

    private static FileOp ReadFileOp(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, string field)
    {
        JsonFields.ExpectStartObject(ref reader, field);
        var op = new FileOp();
        List<Header>? extra = null;
        while (JsonFields.Next(ref reader, field) != JsonTokenType.EndObject)
        {
            var name = JsonFields.GetString(ref reader, field);
            var sub = field + "." + name;
            JsonFields.Next(ref reader, sub);
            switch (name)
            {
                case "link": op = op with { Link = JsonFields.ReadString(ref reader, sub) }; break;
                case "hlink": op = op with { HLink = JsonFields.ReadString(ref reader, sub) }; break;
                case "remove": op = op with { Remove = JsonFields.ReadString(ref reader, sub) }; break;
                case "rename": op = op with { Rename = JsonFields.ReadString(ref reader, sub) }; break;
                case "directory": op = op with { Directory = JsonFields.ReadString(ref reader, sub) }; break;
                default:
                    (extra ??= []).Add(new Header(name, JsonFields.ReadRaw(ref reader, body, sub)));
                    break;
            }
        }

        return extra is null ? op : op with { Extra = extra };
    }

    private static Report ReadReport(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, string field)
    {
        JsonFields.ExpectStartObject(ref reader, field);
        int? code = null;
        string? time = null, message = null;
        List<Header>? extra = null;
        while (JsonFields.Next(ref reader, field) != JsonTokenType.EndObject)
        {
            var name = JsonFields.GetString(ref reader, field);
            var sub = field + "." + name;
            JsonFields.Next(ref reader, sub);
            switch (name)
            {
                case "code":
                    code = (int)JsonFields.ReadInteger(ref reader, sub, 100, 999);
                    break;
                case "timeCompleted":
                    time = ToV03Time(JsonFields.ReadString(ref reader, sub), sub);
                    break;
                case "message":
                    message = JsonFields.ReadNullableString(ref reader, sub);
                    break;
                default:
                    (extra ??= []).Add(new Header(name, JsonFields.ReadRaw(ref reader, body, sub)));
                    break;
            }
        }

        return new Report(code ?? throw new MessageFormatException(field + ".code", "missing"), time, message) { Extra = extra };
    }

    /// <summary>A v2 <c>parts</c> header (<c>1,size,1,0,0</c> or <c>i|p,blocksize,count,remainder,number</c>).</summary>
    internal static void ApplyParts(NotificationMessage m, string parts, string field, FieldsBuilder? fields)
    {
        var p = parts.Split(',');
        if (p.Length != 5)
        {
            throw new MessageFormatException(field, $"\"{JsonFields.Truncate(parts)}\" is not method,size,count,remainder,number");
        }

        var numbers = new long[4];
        for (var i = 1; i < 5; i++)
        {
            if (!long.TryParse(p[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out numbers[i - 1]) ||
                numbers[i - 1] > JsonFields.MaxSize)
            {
                throw new MessageFormatException(field, $"\"{JsonFields.Truncate(p[i])}\" in \"{JsonFields.Truncate(parts)}\" is not a size");
            }
        }

        switch (p[0])
        {
            case "1":
                m.Size = numbers[0];
                fields?.Add(MessageField.Size);
                break;
            case "i" or "p":
                if (numbers[0] == 0 || numbers[1] == 0 || numbers[3] >= numbers[1])
                {
                    throw new MessageFormatException(field, $"\"{parts}\" is not a valid block description");
                }

                // sr3 writes this block's size where v2 had the remainder.
                m.Size = numbers[2];
                m.Blocks = new Blocks(p[0] == "i" ? "inplace" : "partitioned", numbers[0], numbers[3]) { Count = numbers[1] };
                fields?.Add(MessageField.Blocks);
                fields?.Add(MessageField.Size);
                break;
            default:
                throw new MessageFormatException(field, $"unknown parts method \"{JsonFields.Truncate(p[0])}\" (1, i or p)");
        }
    }

    private enum Known : byte
    {
        Unknown,
        PubTime,
        BaseUrl,
        RelPath,
        RetrievePath,
        Rename,
        Identity,
        Size,
        Blocks,
        Parts,
        FileOp,
        Content,
        ContentType,
        Mtime,
        Atime,
        Mode,
        Source,
        FromCluster,
        ToClusters,
        Report,
        Type,
        Geometry,
    }

    private static string PropertyName(ref Utf8JsonReader reader, out Known known)
    {
        if (!reader.ValueIsEscaped)
        {
            known = Classify(reader.ValueSpan);
            return known == Known.Unknown ? JsonFields.GetString(ref reader, "body") : KnownName(known);
        }

        var name = JsonFields.GetString(ref reader, "body");
        known = Classify(System.Text.Encoding.UTF8.GetBytes(name));
        return known == Known.Unknown ? name : KnownName(known);
    }

    private static string KnownName(Known known) => known switch
    {
        Known.PubTime => "pubTime",
        Known.BaseUrl => "baseUrl",
        Known.RelPath => "relPath",
        Known.RetrievePath => "retrievePath",
        Known.Rename => "rename",
        Known.Identity => "identity",
        Known.Size => "size",
        Known.Blocks => "blocks",
        Known.Parts => "parts",
        Known.FileOp => "fileOp",
        Known.Content => "content",
        Known.ContentType => "contentType",
        Known.Mtime => "mtime",
        Known.Atime => "atime",
        Known.Mode => "mode",
        Known.Source => "source",
        Known.FromCluster => "from_cluster",
        Known.ToClusters => "to_clusters",
        Known.Report => "report",
        Known.Type => "type",
        Known.Geometry => "geometry",
        _ => string.Empty,
    };

    private static Known Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when name.SequenceEqual("size"u8) => Known.Size,
        4 when name.SequenceEqual("mode"u8) => Known.Mode,
        4 when name.SequenceEqual("type"u8) => Known.Type,
        5 when name.SequenceEqual("mtime"u8) => Known.Mtime,
        5 when name.SequenceEqual("atime"u8) => Known.Atime,
        5 when name.SequenceEqual("parts"u8) => Known.Parts,
        6 when name.SequenceEqual("source"u8) => Known.Source,
        6 when name.SequenceEqual("blocks"u8) => Known.Blocks,
        6 when name.SequenceEqual("fileOp"u8) => Known.FileOp,
        6 when name.SequenceEqual("rename"u8) => Known.Rename,
        6 when name.SequenceEqual("report"u8) => Known.Report,
        7 when name.SequenceEqual("pubTime"u8) => Known.PubTime,
        7 when name.SequenceEqual("baseUrl"u8) => Known.BaseUrl,
        7 when name.SequenceEqual("relPath"u8) => Known.RelPath,
        7 when name.SequenceEqual("content"u8) => Known.Content,
        7 when name.SequenceEqual("retPath"u8) => Known.RetrievePath,
        8 when name.SequenceEqual("identity"u8) => Known.Identity,
        8 when name.SequenceEqual("geometry"u8) => Known.Geometry,
        9 when name.SequenceEqual("integrity"u8) => Known.Identity,
        11 when name.SequenceEqual("contentType"u8) => Known.ContentType,
        11 when name.SequenceEqual("to_clusters"u8) => Known.ToClusters,
        12 when name.SequenceEqual("from_cluster"u8) => Known.FromCluster,
        12 when name.SequenceEqual("retrievePath"u8) => Known.RetrievePath,
        _ => Known.Unknown,
    };
}
