using Sluice.Core.Messages;

namespace Sluice.Core.Formats;

/// <summary>The wire formats by name (<c>post_format</c>), and recognition of a received message's format.</summary>
internal static class MessageFormats
{
    public static IReadOnlyList<IMessageFormat> All { get; } = [V03Format.Instance, V02Format.Instance, WisFormat.Instance];

    /// <summary>The format of that name (v03, v02, wis; sr3's v04 is wis).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static IMessageFormat ByName(string name) => name.ToLowerInvariant() switch
    {
        "v03" => V03Format.Instance,
        "v02" => V02Format.Instance,
        "wis" or "v04" or "wis2" => WisFormat.Instance,
        _ => throw new ArgumentException($"unknown post_format '{name}' (v03, v02 or wis)", nameof(name)),
    };

    /// <summary>
    /// The format a received message is in: by content type as sr3 decides, else by looking at the body
    /// (MQTT 3.1.1 carries no content type).
    /// </summary>
    public static IMessageFormat Detect(WireMessage wire)
    {
        var contentType = wire.ContentType;
        var semicolon = contentType.IndexOf(';');
        if (semicolon >= 0)
        {
            contentType = contentType[..semicolon].Trim();
        }

        switch (contentType)
        {
            case "application/geo+json":
                return WisFormat.Instance;
            case "text/plain":
                return V02Format.Instance;
            case "application/json":
                return LooksLikeWis(wire.Body.Span) ? WisFormat.Instance : V03Format.Instance;
            default:
                var body = wire.Body.Span.TrimStart(" \t\r\n"u8);
                if (body.Length > 0 && body[0] == (byte)'{')
                {
                    return LooksLikeWis(body) ? WisFormat.Instance : V03Format.Instance;
                }

                return V02Format.Instance;
        }
    }

    /// <summary>Decodes a received message in whatever format it is.</summary>
    /// <exception cref="MessageFormatException">Malformed.</exception>
    public static NotificationMessage Decode(WireMessage wire) => Detect(wire).Decode(wire);

    private static bool LooksLikeWis(ReadOnlySpan<byte> body) =>
        body.IndexOf("\"relPath\""u8) < 0 && body.IndexOf("\"links\""u8) >= 0 && body.IndexOf("\"properties\""u8) >= 0;
}
