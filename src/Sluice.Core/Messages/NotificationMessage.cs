namespace Sluice.Core.Messages;

/// <summary>
/// A notification message: the announcement of a file (or of a fileOp on one), with every v03 field.
/// Every wire format (v03, v02, WIS2) decodes into this and encodes from it.
/// </summary>
/// <remarks>
/// Fields the model does not know are kept in <see cref="Headers"/>, in order and untouched. A decoded
/// message remembers the order its fields came in, so re-encoding it in the same format gives the same
/// body (what a shovel must do). Times are kept as sr3's text (<c>YYYYMMDDTHHMMSS.fraction</c>), which
/// carries more digits than <see cref="DateTime"/> holds; <see cref="Formats.SrTime"/> converts them.
/// </remarks>
public sealed class NotificationMessage
{
    public NotificationMessage(string pubTime, string baseUrl, string relPath)
    {
        PubTime = pubTime;
        BaseUrl = baseUrl;
        RelPath = relPath;
    }

    /// <summary>When the message was first published, UTC, <c>YYYYMMDDTHHMMSS.fraction</c>.</summary>
    public string PubTime { get; set; }

    /// <summary>The root URL of the data server; the file is at <c>baseUrl + relPath</c>.</summary>
    public string BaseUrl { get; set; }

    /// <summary>The file's path relative to <see cref="BaseUrl"/>; its directories make the topic.</summary>
    public string RelPath { get; set; }

    /// <summary>Where to retrieve the data, relative to <see cref="BaseUrl"/>, when it differs from <see cref="RelPath"/>.</summary>
    public string? RetrievePath { get; set; }

    /// <summary>A suggested local name.</summary>
    public string? Rename { get; set; }

    public Identity? Identity { get; set; }

    /// <summary>The size in bytes (of this block, for a partitioned file).</summary>
    public long? Size { get; set; }

    public Blocks? Blocks { get; set; }

    public FileOp? FileOp { get; set; }

    public Content? Content { get; set; }

    /// <summary>The MIME type of the data (<c>contentType</c>).</summary>
    public string? ContentType { get; set; }

    /// <summary>Modification time, in the same text form as <see cref="PubTime"/>.</summary>
    public string? Mtime { get; set; }

    /// <summary>Access time, in the same text form as <see cref="PubTime"/>.</summary>
    public string? Atime { get; set; }

    /// <summary>The permission bits in octal text, as sr3 writes them (<c>"644"</c>).</summary>
    public string? Mode { get; set; }

    /// <summary>The user who injected the data (<c>source</c>).</summary>
    public string? Source { get; set; }

    /// <summary>The pump where the data was injected (<c>from_cluster</c>).</summary>
    public string? FromCluster { get; set; }

    /// <summary>Where the data should go (<c>to_clusters</c>), a comma-separated list.</summary>
    public string? ToClusters { get; set; }

    /// <summary>Present on report messages.</summary>
    public Report? Report { get; set; }

    /// <summary>GeoJSON <c>type</c> (<c>"Feature"</c>), when the sender writes it.</summary>
    public string? Type { get; set; }

    /// <summary>GeoJSON geometry as raw JSON text (null: absent).</summary>
    public string? Geometry { get; set; }

    /// <summary>User-defined fields, in order, with their raw JSON values.</summary>
    public List<Header> Headers { get; } = [];

    /// <summary>The order of the fields as decoded; null for a message built in code (sr3's order is used).</summary>
    internal MessageField[]? FieldOrder { get; set; }

    /// <summary>
    /// The v02 <c>sum</c> header as received, kept when v03 cannot express it (a link whose target the
    /// sender did not give, an <c>n</c> md5name sum), so a v02 message re-encodes as it came.
    /// </summary>
    internal string? V02Sum { get; set; }

    /// <summary>The file's name: the last element of <see cref="RelPath"/>.</summary>
    public string FileName
    {
        get
        {
            var slash = RelPath.LastIndexOf('/');
            return slash < 0 ? RelPath : RelPath[(slash + 1)..];
        }
    }

    /// <summary>The value of a user header, or null.</summary>
    public Header? FindHeader(string name)
    {
        foreach (var header in Headers)
        {
            if (header.Name == name)
            {
                return header;
            }
        }

        return null;
    }

    /// <summary>Sets a user header (replacing one of the same name in place, or appending it).</summary>
    public void SetHeader(Header header)
    {
        for (var i = 0; i < Headers.Count; i++)
        {
            if (Headers[i].Name == header.Name)
            {
                Headers[i] = header;
                return;
            }
        }

        Headers.Add(header);
        if (FieldOrder is not null)
        {
            FieldOrder = [.. FieldOrder, MessageField.Header];
        }
    }

    /// <summary>Removes a user header; true when there was one.</summary>
    public bool RemoveHeader(string name)
    {
        for (var i = 0; i < Headers.Count; i++)
        {
            if (Headers[i].Name == name)
            {
                Headers.RemoveAt(i);
                if (FieldOrder is not null)
                {
                    var seen = 0;
                    for (var j = 0; j < FieldOrder.Length; j++)
                    {
                        if (FieldOrder[j] == MessageField.Header && seen++ == i)
                        {
                            FieldOrder = [.. FieldOrder[..j], .. FieldOrder[(j + 1)..]];
                            break;
                        }
                    }
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>A copy that can be changed without touching this one (the records inside are immutable).</summary>
    public NotificationMessage Clone()
    {
        var copy = new NotificationMessage(PubTime, BaseUrl, RelPath)
        {
            RetrievePath = RetrievePath,
            Rename = Rename,
            Identity = Identity,
            Size = Size,
            Blocks = Blocks,
            FileOp = FileOp,
            Content = Content,
            ContentType = ContentType,
            Mtime = Mtime,
            Atime = Atime,
            Mode = Mode,
            Source = Source,
            FromCluster = FromCluster,
            ToClusters = ToClusters,
            Report = Report,
            Type = Type,
            Geometry = Geometry,
            FieldOrder = FieldOrder,
            V02Sum = V02Sum,
        };
        copy.Headers.AddRange(Headers);
        return copy;
    }
}
