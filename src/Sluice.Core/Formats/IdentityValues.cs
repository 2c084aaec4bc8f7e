using System.Buffers.Text;

namespace Sluice.Core.Formats;

/// <summary>Checks identity values against their method: a digest must be base64 of the right length.</summary>
internal static class IdentityValues
{
    /// <summary>The digest length in bytes of a checksum method, or 0 when the method has none.</summary>
    public static int DigestLength(string method) => method switch
    {
        "md5" => 16,
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => 0,
    };

    public static void Validate(string method, string? value, string field)
    {
        var length = DigestLength(method);
        if (length > 0)
        {
            if (value is null)
            {
                throw new MessageFormatException(field, $"a {method} identity needs a value");
            }

            var decoded = DecodedLength(value);
            if (decoded < 0)
            {
                throw new MessageFormatException(field, $"not valid base64: \"{JsonFields.Truncate(value)}\"");
            }

            if (decoded != length)
            {
                throw new MessageFormatException(field, $"a {method} value is {length} bytes, this one is {decoded}");
            }
        }
        else if (method == "cod" && (value is null || (DigestLength(value) == 0 && value != "md5name")))
        {
            throw new MessageFormatException(field, $"cod names the checksum to compute (sha512, md5, ...), not \"{value}\"");
        }
    }

    public static bool IsBase64(string value) => DecodedLength(value) >= 0;

    /// <summary>The decoded byte count of base64 text (white space allowed, as sr3 sometimes writes it), or -1.</summary>
    public static int DecodedLength(string value)
    {
        if (Base64.IsValid(value.AsSpan(), out var decodedLength))
        {
            return decodedLength;
        }

        return -1;
    }
}
