namespace Sluice.Core.Formats;

/// <summary>
/// A notification message as it travels on a broker, before decoding or after encoding:
/// the topic words (without the exchange), the headers (AMQP application headers or MQTT 5
/// user properties, in order), the content type and the body bytes.
/// </summary>
/// <remarks>
/// AMQP joins <see cref="Topic"/> with '.' into the routing key; MQTT prefixes the exchange and
/// joins with '/'. Header values are strings, as sr3 writes them.
/// </remarks>
public sealed record WireMessage(
    IReadOnlyList<string> Topic,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string ContentType,
    ReadOnlyMemory<byte> Body)
{
    /// <summary>The AMQP routing key: the topic words joined with '.'.</summary>
    public string RoutingKey => string.Join('.', Topic);

    /// <summary>The MQTT topic: the exchange, then the topic words, joined with '/'.</summary>
    public string MqttTopic(string exchange) =>
        Topic.Count == 0 ? exchange : exchange + "/" + string.Join('/', Topic);
}
