namespace Sluice.Core.Messages;

/// <summary>
/// The <c>content</c> field: the file's bytes inline, <c>{"encoding": "utf-8"|"base64"|"iso-8859-1", "value": ...}</c>.
/// WIS2 adds <c>gzip</c> and a <c>size</c>.
/// </summary>
public sealed record Content(string Encoding, string Value)
{
    /// <summary>The decoded size, when the sender gave it (WIS2 <c>properties.content.size</c>).</summary>
    public long? Size { get; init; }

    /// <summary>The bytes the content stands for.</summary>
    /// <exception cref="FormatException">The value is not valid for its encoding.</exception>
    public byte[] GetBytes() => Encoding switch
    {
        "utf-8" or "utf8" => System.Text.Encoding.UTF8.GetBytes(Value),
        "base64" => Convert.FromBase64String(Value),
        "iso-8859-1" or "latin-1" or "latin1" => System.Text.Encoding.Latin1.GetBytes(Value),
        "gzip" => Gunzip(Convert.FromBase64String(Value)),
        _ => throw new FormatException($"unknown content encoding '{Encoding}'"),
    };

    private static byte[] Gunzip(byte[] compressed)
    {
        using var input = new MemoryStream(compressed);
        using var gzip = new System.IO.Compression.GZipStream(input, System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
