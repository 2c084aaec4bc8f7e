using System.Text;
using System.Text.Json;
using Sluice.Core.Messages;

namespace Sluice.Core.Formats;

/// <summary>
/// The WIS2 notification message (WMO, GeoJSON Feature, version v04 / WNM 1.0): <c>id</c>, <c>conformsTo</c>,
/// <c>type</c>, <c>geometry</c>, <c>properties</c> (<c>pubtime</c> RFC 3339, <c>data_id</c>, <c>datetime</c>,
/// <c>integrity</c>, <c>content</c>, ...) and <c>links</c> (<c>canonical</c>, <c>update</c>, <c>deletion</c>).
/// </summary>
/// <remarks>
/// Mapping: <c>data_id</c> is the relPath; the data link's <c>href</c> is baseUrl + retrievePath (or relPath),
/// its <c>length</c> the size and its <c>type</c> the contentType; <c>integrity</c> is the identity (WNM allows the
/// sha2/sha3 family only, so an md5 identity is left out); a <c>deletion</c> link is fileOp remove. The
/// <c>id</c> is kept in a header of that name so a message keeps its id across hops (WIS2 global brokers use
/// it against loops). Other properties become headers, and headers go back into properties.
/// </remarks>
internal sealed class WisFormat : IMessageFormat
{
    public const string ConformanceClass = "http://wis.wmo.int/spec/wnm/1/conf/core";

    public const string UpdateRel = "http://def.wmo.int/def/rel/wnm/-/update";

    public const string DeletionRel = "http://def.wmo.int/def/rel/wnm/-/deletion";

    public static readonly WisFormat Instance = new();

    private static readonly string[] Prefix = [];

    private readonly Func<Guid> _newId;

    public WisFormat()
        : this(Guid.NewGuid)
    {
    }

    /// <summary>A format whose new message ids come from <paramref name="newId"/> (tests fix them).</summary>
    public WisFormat(Func<Guid> newId)
    {
        _newId = newId;
    }

    public string Name => "wis";

    public string ContentType => "application/geo+json";

    public IReadOnlyList<string> DefaultTopicPrefix => Prefix;

    /// <summary>Headers that hold WIS2 top-level members rather than properties.</summary>
    private static bool IsTopLevel(string name) => name is "id" or "links" or "conformsTo" or "version";

    public NotificationMessage Decode(WireMessage wire)
    {
        var field = "body";
        try
        {
            return Read(wire.Body.Span, ref field);
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

    public WireMessage Encode(NotificationMessage message, IReadOnlyList<string> topicPrefix)
    {
        using var w = new PyJsonWriter();
        var m = message;
        w.StartObject();
        w.Property("id", m.FindHeader("id")?.StringValue ?? _newId().ToString());
        w.Name("conformsTo");
        w.StartArray();
        w.String(ConformanceClass);
        w.EndArray();
        w.Property("version", "v04");
        w.Property("type", "Feature");
        w.Name("geometry");
        w.Raw(m.Geometry ?? "null");

        w.Name("properties");
        w.StartObject();
        w.Property("data_id", m.RelPath);
        w.Property("pubtime", SrTime.V03ToRfc3339(m.PubTime));
        if (m.FindHeader("datetime") is null && m.FindHeader("start_datetime") is null)
        {
            // WNM requires the data's time; the file's modification time is the best Sluice knows.
            w.Property("datetime", SrTime.V03ToRfc3339(m.Mtime ?? m.PubTime));
        }

        if (m.Identity is { Value: not null } identity && IdentityValues.DigestLength(identity.Method) >= 32)
        {
            w.Name("integrity");
            w.StartObject();
            w.Property("method", identity.Method);
            w.Property("value", identity.Value);
            w.EndObject();
        }

        if (m.Content is { } content)
        {
            WriteContent(w, content);
        }

        WriteOptional(w, "source", m.Source);
        WriteOptional(w, "from_cluster", m.FromCluster);
        WriteOptional(w, "to_clusters", m.ToClusters);
        WriteOptional(w, "mtime", m.Mtime);
        WriteOptional(w, "atime", m.Atime);
        WriteOptional(w, "mode", m.Mode);
        WriteOptional(w, "rename", m.Rename);
        foreach (var header in m.Headers)
        {
            if (!IsTopLevel(header.Name))
            {
                w.Name(header.Name);
                w.Raw(header.RawJson);
            }
        }

        w.EndObject();

        w.Name("links");
        w.StartArray();
        w.StartObject();
        w.Property("href", Href(m));
        w.Property("rel", m.FileOp is { IsRemove: true } ? DeletionRel : m.FindHeader("wis_rel")?.StringValue ?? "canonical");
        if (m.ContentType is not null)
        {
            w.Property("type", m.ContentType);
        }

        if (m.Size is { } size)
        {
            w.Property("length", size);
        }

        w.EndObject();
        if (m.FindHeader("links") is { } otherLinks)
        {
            // Links other than the data's (e.g. rel "item"), kept as received.
            using var doc = JsonDocument.Parse(otherLinks.RawJson);
            foreach (var link in doc.RootElement.EnumerateArray())
            {
                w.Raw(link.GetRawText());
            }
        }

        w.EndArray();
        w.EndObject();
        var topic = topicPrefix.Count > 0 ? Topics.Derive(topicPrefix, m.RelPath) : [];
        return new WireMessage(topic, [], ContentType, w.ToArray());
    }

    private static void WriteOptional(PyJsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.Property(name, value);
        }
    }

    private static void WriteContent(PyJsonWriter w, Content content)
    {
        w.Name("content");
        w.StartObject();
        if (content.Encoding is "utf-8" or "base64" or "gzip")
        {
            w.Property("encoding", content.Encoding);
            w.Property("value", content.Value);
        }
        else
        {
            // WNM knows utf-8, base64 and gzip only.
            w.Property("encoding", "base64");
            w.Property("value", Convert.ToBase64String(content.GetBytes()));
        }

        if (content.Size is { } size)
        {
            w.Property("size", size);
        }
        else if (content.Encoding != "gzip")
        {
            // Not for gzip: inflating an untrusted value only to measure it invites a decompression bomb.
            w.Property("size", content.GetBytes().LongLength);
        }
        w.EndObject();
    }

    private static string Href(NotificationMessage m)
    {
        var path = m.RetrievePath ?? m.RelPath;
        if (m.BaseUrl.EndsWith('/') && path.StartsWith('/'))
        {
            return m.BaseUrl + path[1..];
        }

        return m.BaseUrl.EndsWith('/') || path.StartsWith('/') ? m.BaseUrl + path : m.BaseUrl + "/" + path;
    }

    private static NotificationMessage Read(ReadOnlySpan<byte> body, ref string field)
    {
        var reader = new Utf8JsonReader(body, JsonFields.ReaderOptions);
        if (!reader.Read())
        {
            throw new MessageFormatException("body", "empty");
        }

        JsonFields.ExpectStartObject(ref reader, "body");
        string? id = null, type = null, geometry = null, pubTime = null, dataId = null;
        string? href = null, linkType = null, rel = null;
        long? length = null;
        var hasLinks = false;
        var version = false;
        var otherLinks = new List<string>();
        var m = new NotificationMessage(string.Empty, string.Empty, string.Empty);

        while (JsonFields.Next(ref reader, field = "body") != JsonTokenType.EndObject)
        {
            var name = JsonFields.GetString(ref reader, "body");
            field = name;
            JsonFields.Next(ref reader, field);
            switch (name)
            {
                case "id":
                    id = JsonFields.ReadString(ref reader, field);
                    break;
                case "type":
                    type = JsonFields.ReadString(ref reader, field);
                    break;
                case "version":
                    version = JsonFields.ReadString(ref reader, field) == "v04";
                    break;
                case "conformsTo":
                    version |= JsonFields.ReadRaw(ref reader, body, field).Contains("/spec/wnm/", StringComparison.Ordinal);
                    break;
                case "geometry":
                    geometry = JsonFields.ReadRaw(ref reader, body, field);
                    if (geometry == "null")
                    {
                        geometry = null;
                    }

                    break;
                case "properties":
                    ReadProperties(ref reader, body, m, ref pubTime, ref dataId);
                    break;
                case "links":
                    hasLinks = true;
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw new MessageFormatException("links", $"expected an array, found {JsonFields.Describe(reader.TokenType)}");
                    }

                    var index = 0;
                    while (JsonFields.Next(ref reader, "links") != JsonTokenType.EndArray)
                    {
                        var linkField = $"links[{index++}]";
                        var start = (int)reader.TokenStartIndex;
                        var link = ReadLink(ref reader, linkField);
                        var raw = Encoding.UTF8.GetString(body[start..(int)reader.BytesConsumed]);
                        var isData = link.Rel is "canonical" or UpdateRel or DeletionRel ||
                            link.Rel.EndsWith("/update", StringComparison.Ordinal) || link.Rel.EndsWith("/deletion", StringComparison.Ordinal);
                        if (isData && href is null)
                        {
                            (href, rel, linkType, length) = (link.Href, link.Rel, link.Type, link.Length);
                        }
                        else
                        {
                            otherLinks.Add(raw);
                        }
                    }

                    break;
                default:
                    m.SetHeader(new Header(name, JsonFields.ReadRaw(ref reader, body, field)));
                    break;
            }
        }

        field = "body";
        if (reader.Read())
        {
            throw new MessageFormatException("body", "text after the end of the message object");
        }

        if (type != "Feature")
        {
            throw new MessageFormatException("type", type is null ? "missing (mandatory: \"Feature\")" : $"\"{type}\" is not \"Feature\"");
        }

        if (!version)
        {
            throw new MessageFormatException("version", "missing: neither version \"v04\" nor a WNM conformsTo");
        }

        if (!hasLinks || href is null)
        {
            throw new MessageFormatException("links", "no link with rel canonical, update or deletion");
        }

        m.PubTime = pubTime ?? throw new MessageFormatException("properties.pubtime", "missing (mandatory)");
        var (baseUrl, path) = SplitHref(href);
        m.BaseUrl = baseUrl;
        m.RelPath = dataId ?? path;
        if (path != m.RelPath)
        {
            m.RetrievePath = path;
        }

        m.Size = length ?? m.Size;
        m.ContentType = linkType ?? m.ContentType;
        m.Type = "Feature";
        m.Geometry = geometry;
        if (rel == DeletionRel || (rel?.EndsWith("/deletion", StringComparison.Ordinal) ?? false))
        {
            m.FileOp = new FileOp { Remove = string.Empty };
        }
        else if (rel != "canonical" && rel is not null)
        {
            m.SetHeader(Header.FromString("wis_rel", rel));
        }

        if (id is not null)
        {
            m.Headers.Insert(0, Header.FromString("id", id));
        }

        if (otherLinks.Count > 0)
        {
            m.SetHeader(new Header("links", "[" + string.Join(", ", otherLinks) + "]"));
        }

        return m;
    }

    private static void ReadProperties(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, NotificationMessage m, ref string? pubTime, ref string? dataId)
    {
        JsonFields.ExpectStartObject(ref reader, "properties");
        while (JsonFields.Next(ref reader, "properties") != JsonTokenType.EndObject)
        {
            var name = JsonFields.GetString(ref reader, "properties");
            var field = "properties." + name;
            JsonFields.Next(ref reader, field);
            switch (name)
            {
                case "pubtime":
                    var text = JsonFields.ReadString(ref reader, field);
                    try
                    {
                        pubTime = SrTime.Rfc3339ToV03(text);
                    }
                    catch (FormatException ex)
                    {
                        throw new MessageFormatException(field, ex.Message, ex);
                    }

                    break;
                case "data_id":
                    dataId = JsonFields.ReadString(ref reader, field);
                    break;
                case "integrity":
                    m.Identity = JsonFields.ReadIdentity(ref reader, field);
                    break;
                case "content":
                    m.Content = JsonFields.ReadContent(ref reader, field);
                    break;
                case "source": m.Source = JsonFields.ReadString(ref reader, field); break;
                case "from_cluster": m.FromCluster = JsonFields.ReadString(ref reader, field); break;
                case "to_clusters": m.ToClusters = JsonFields.ReadString(ref reader, field); break;
                case "mtime": m.Mtime = JsonFields.ReadString(ref reader, field); break;
                case "atime": m.Atime = JsonFields.ReadString(ref reader, field); break;
                case "mode": m.Mode = JsonFields.ReadString(ref reader, field); break;
                case "rename": m.Rename = JsonFields.ReadString(ref reader, field); break;
                default:
                    m.SetHeader(new Header(name, JsonFields.ReadRaw(ref reader, body, field)));
                    break;
            }
        }
    }

    private readonly record struct Link(string Href, string Rel, string? Type, long? Length);

    private static Link ReadLink(ref Utf8JsonReader reader, string field)
    {
        JsonFields.ExpectStartObject(ref reader, field);
        string? href = null, rel = null, type = null;
        long? length = null;
        while (JsonFields.Next(ref reader, field) != JsonTokenType.EndObject)
        {
            var name = JsonFields.GetString(ref reader, field);
            var sub = field + "." + name;
            JsonFields.Next(ref reader, sub);
            switch (name)
            {
                case "href": href = JsonFields.ReadString(ref reader, sub); break;
                case "rel": rel = JsonFields.ReadString(ref reader, sub); break;
                case "type": type = JsonFields.ReadString(ref reader, sub); break;
                case "length": length = JsonFields.ReadInteger(ref reader, sub, 0, JsonFields.MaxSize); break;
                default: reader.Skip(); break;
            }
        }

        return new Link(
            href ?? throw new MessageFormatException(field + ".href", "missing"),
            rel ?? throw new MessageFormatException(field + ".rel", "missing"),
            type,
            length);
    }

    private static (string BaseUrl, string Path) SplitHref(string href)
    {
        var scheme = href.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            throw new MessageFormatException("links.href", $"\"{JsonFields.Truncate(href)}\" is not an absolute URL");
        }

        var slash = href.IndexOf('/', scheme + 3);
        return slash < 0 ? (href + "/", string.Empty) : (href[..(slash + 1)], href[(slash + 1)..]);
    }
}
