using System.Text;
using System.Text.Json;

namespace Sluice.Core.Formats;

/// <summary>
/// A message as an operator saves it for inspection: a bare v03 or WIS2 body, or a document in the
/// shape of a broker capture. AMQP: <c>exchange</c>, <c>routing_key</c>, <c>properties</c> (with
/// <c>content_type</c>), <c>headers</c>, <c>body</c>. MQTT: <c>topic</c>, <c>mqtt5_content_type</c>,
/// <c>mqtt5_user_properties</c> (pairs), <c>payload</c>. The capture shapes are how a v02 message
/// (headers and a text body) is given.
/// </summary>
internal sealed record CapturedMessage(string? Exchange, WireMessage Wire)
{
    /// <summary>Reads a captured message or bare body.</summary>
    /// <exception cref="MessageFormatException">Neither a capture document nor a message body.</exception>
    public static CapturedMessage Parse(ReadOnlyMemory<byte> input)
    {
        try
        {
            return Read(input);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new MessageFormatException("body", ex.Message, ex);
        }
    }

    private static CapturedMessage Read(ReadOnlyMemory<byte> input)
    {
        var text = input.Span.TrimStart(" \t\r\n"u8);
        if (text.Length == 0)
        {
            throw new MessageFormatException("body", "empty input");
        }

        if (text[0] != (byte)'{')
        {
            // A bare v02 body (no headers).
            return new CapturedMessage(null, new WireMessage([], [], string.Empty, input));
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(input, new JsonDocumentOptions { MaxDepth = JsonFields.MaxDepth });
        }
        catch (JsonException ex)
        {
            throw new MessageFormatException("body", $"not valid JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MessageFormatException("body", "expected a JSON object");
            }

            if (root.TryGetProperty("routing_key", out _) && root.TryGetProperty("body", out _))
            {
                return FromAmqp(root);
            }

            if (root.TryGetProperty("topic", out var topicElement) && root.TryGetProperty("payload", out _) &&
                topicElement.ValueKind == JsonValueKind.String)
            {
                return FromMqtt(root);
            }

            return new CapturedMessage(null, new WireMessage([], [], string.Empty, input));
        }
    }

    private static CapturedMessage FromAmqp(JsonElement root)
    {
        var exchange = OptionalString(root, "exchange");
        var routingKey = RequiredString(root, "routing_key");
        var contentType = string.Empty;
        if (root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            contentType = OptionalString(properties, "content_type") ?? string.Empty;
        }

        var headers = new List<KeyValuePair<string, string>>();
        if (root.TryGetProperty("headers", out var headerObject))
        {
            if (headerObject.ValueKind != JsonValueKind.Object)
            {
                throw new MessageFormatException("headers", "expected an object");
            }

            foreach (var header in headerObject.EnumerateObject())
            {
                headers.Add(new(header.Name, HeaderText(header.Value)));
            }
        }

        var body = Encoding.UTF8.GetBytes(RequiredString(root, "body"));
        var topic = routingKey.Split('.', StringSplitOptions.RemoveEmptyEntries);
        return new CapturedMessage(exchange, new WireMessage(topic, headers, contentType, body));
    }

    private static CapturedMessage FromMqtt(JsonElement root)
    {
        var words = RequiredString(root, "topic").Split('/', StringSplitOptions.RemoveEmptyEntries);
        string? exchange = null;
        if (words.Length > 0 && words[0] is not ("v02" or "v03"))
        {
            // <exchange>/v03/...; sr3 publishes v02 over MQTT without the exchange.
            exchange = words[0];
            words = words[1..];
        }

        var contentType = OptionalString(root, "mqtt5_content_type") ?? string.Empty;
        var headers = new List<KeyValuePair<string, string>>();
        if (root.TryGetProperty("mqtt5_user_properties", out var properties) && properties.ValueKind == JsonValueKind.Array)
        {
            foreach (var pair in properties.EnumerateArray())
            {
                if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
                {
                    throw new MessageFormatException("mqtt5_user_properties", "expected [name, value] pairs");
                }

                headers.Add(new(HeaderText(pair[0]), HeaderText(pair[1])));
            }
        }

        var body = Encoding.UTF8.GetBytes(RequiredString(root, "payload"));
        return new CapturedMessage(exchange, new WireMessage(words, headers, contentType, body));
    }

    private static string HeaderText(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static string RequiredString(JsonElement element, string name) =>
        OptionalString(element, name) ?? throw new MessageFormatException(name, "missing");

    private static string? OptionalString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new MessageFormatException(name, $"expected a string, found {value.ValueKind}");
    }
}
