using System.Text;
using System.Text.Json;
using Sluice.Core.Messages;

namespace Sluice.Core.Formats;

/// <summary>Reading helpers shared by the JSON formats (v03 and WIS2): each error names its field.</summary>
internal static class JsonFields
{
    /// <summary>Deep enough for any real message; deeper input is refused, never recursed into.</summary>
    public const int MaxDepth = 24;

    /// <summary>Sizes above 1 EiB are refused as absurd.</summary>
    public const long MaxSize = 1L << 60;

    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string ReadString(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new MessageFormatException(field, $"expected a string, found {Describe(reader.TokenType)}");
        }

        return GetString(ref reader, field);
    }

    public static string? ReadNullableString(ref Utf8JsonReader reader, string field) =>
        reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, field);

    public static string GetString(ref Utf8JsonReader reader, string field)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new MessageFormatException(field, "invalid UTF-8 or escape in string", ex);
        }
    }

    /// <summary>A whole number given as a JSON number or as a string of digits (sr3 accepts both).</summary>
    public static long ReadInteger(ref Utf8JsonReader reader, string field, long min, long max)
    {
        long value;
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetInt64(out value))
            {
                throw new MessageFormatException(field, "expected a whole number");
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            var text = GetString(ref reader, field);
            if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value))
            {
                throw new MessageFormatException(field, $"expected a whole number, found \"{Truncate(text)}\"");
            }
        }
        else
        {
            throw new MessageFormatException(field, $"expected a number, found {Describe(reader.TokenType)}");
        }

        if (value < min || value > max)
        {
            throw new MessageFormatException(field, $"{value} is out of range ({min} to {max})");
        }

        return value;
    }

    public static void ExpectStartObject(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new MessageFormatException(field, $"expected an object, found {Describe(reader.TokenType)}");
        }
    }

    /// <summary>The current value (the reader on its first token) as raw JSON text; leaves the reader on its last token.</summary>
    public static string ReadRaw(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, string field)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        var end = (int)reader.BytesConsumed;
        try
        {
            return StrictUtf8.GetString(body[start..end]);
        }
        catch (DecoderFallbackException ex)
        {
            throw new MessageFormatException(field, "invalid UTF-8", ex);
        }
    }

    public static Identity ReadIdentity(ref Utf8JsonReader reader, string field)
    {
        ExpectStartObject(ref reader, field);
        string? method = null;
        string? value = null;
        var hasValue = false;
        while (Next(ref reader, field) != JsonTokenType.EndObject)
        {
            var name = GetString(ref reader, field);
            Next(ref reader, field);
            switch (name)
            {
                case "method":
                    method = Intern(ReadString(ref reader, field + ".method"));
                    break;
                case "value":
                    value = ReadNullableString(ref reader, field + ".value");
                    hasValue = true;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (method is null)
        {
            throw new MessageFormatException(field + ".method", "missing");
        }

        if (!hasValue && method != "arbitrary")
        {
            throw new MessageFormatException(field + ".value", "missing");
        }

        IdentityValues.Validate(method, value, field + ".value");
        return new Identity(method, value);
    }

    public static Content ReadContent(ref Utf8JsonReader reader, string field)
    {
        ExpectStartObject(ref reader, field);
        string? encoding = null;
        string? value = null;
        long? size = null;
        while (Next(ref reader, field) != JsonTokenType.EndObject)
        {
            var name = GetString(ref reader, field);
            Next(ref reader, field);
            switch (name)
            {
                case "encoding":
                    encoding = Intern(ReadString(ref reader, field + ".encoding"));
                    break;
                case "value":
                    value = ReadString(ref reader, field + ".value");
                    break;
                case "size":
                case "length":
                    size = ReadInteger(ref reader, field + "." + name, 0, MaxSize);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (encoding is null)
        {
            throw new MessageFormatException(field + ".encoding", "missing");
        }

        if (value is null)
        {
            throw new MessageFormatException(field + ".value", "missing");
        }

        if (encoding is not ("utf-8" or "utf8" or "base64" or "iso-8859-1" or "latin-1" or "latin1" or "gzip"))
        {
            throw new MessageFormatException(field + ".encoding", $"\"{Truncate(encoding)}\" is not utf-8, base64, iso-8859-1 or gzip");
        }

        if (encoding is "base64" or "gzip" && !IdentityValues.IsBase64(value))
        {
            throw new MessageFormatException(field + ".value", "not valid base64");
        }

        return new Content(encoding, value) { Size = size };
    }

    public static JsonTokenType Next(ref Utf8JsonReader reader, string field)
    {
        if (!reader.Read())
        {
            throw new MessageFormatException(field, "the body ends too early");
        }

        return reader.TokenType;
    }

    public static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    public static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";

    /// <summary>Well-known values share one string instead of allocating a copy per message.</summary>
    public static string Intern(string value) => value switch
    {
        "sha512" => "sha512",
        "md5" => "md5",
        "sha256" => "sha256",
        "sha384" => "sha384",
        "cod" => "cod",
        "arbitrary" => "arbitrary",
        "random" => "random",
        "utf-8" => "utf-8",
        "base64" => "base64",
        "inplace" => "inplace",
        "partitioned" => "partitioned",
        _ => value,
    };
}
