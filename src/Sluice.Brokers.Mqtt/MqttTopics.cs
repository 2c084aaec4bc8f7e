namespace Sluice.Brokers.Mqtt;

/// <summary>sr3's mapping of topics to MQTT: <c>&lt;exchange&gt;/&lt;topicPrefix&gt;/&lt;dirs&gt;</c>.</summary>
internal static class MqttTopics
{
    /// <summary>sr3 publishes v02 over MQTT without the exchange in front (<c>v02/post/...</c>).</summary>
    public static bool HasNoExchange(IReadOnlyList<string> topic) => topic.Count > 0 && topic[0] == "v02";

    public static string ToMqtt(string exchange, IReadOnlyList<string> topic)
    {
        var words = topic.Select(Escape);
        return HasNoExchange(topic) ? string.Join('/', words) : string.Join('/', new[] { exchange }.Concat(words));
    }

    /// <summary>The exchange and the topic words of a received MQTT topic.</summary>
    public static (string Exchange, string[] Topic) FromMqtt(string mqttTopic)
    {
        var levels = mqttTopic.Split('/').Select(Unescape).ToArray();
        return levels.Length > 0 && levels[0] is "v02" or "v03" ? (string.Empty, levels) : (levels[0], levels[1..]);
    }

    /// <summary>A subscription filter for a binding (AMQP wildcards to MQTT's), shared among instances when asked.</summary>
    public static string Filter(Core.Brokers.Binding binding, string? shareGroup)
    {
        var words = binding.TopicPrefix.Concat(binding.Subtopic.Split('.', StringSplitOptions.RemoveEmptyEntries)).Select(w => w switch { "*" => "+", "#" => "#", _ => Escape(w) }).ToList();
        var filter = words.Count > 0 && words[0] == "v02" ? string.Join('/', words) : string.Join('/', new[] { binding.Exchange }.Concat(words));
        return shareGroup is null ? filter : $"$share/{shareGroup}/{filter}";
    }

    // '+' and '#' are wildcards in MQTT and may not appear in a published topic.
    private static string Escape(string word) => word.Replace("%", "%25", StringComparison.Ordinal).Replace("+", "%2B", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal);

    private static string Unescape(string word) => word.Contains('%', StringComparison.Ordinal)
        ? word.Replace("%2B", "+", StringComparison.Ordinal).Replace("%23", "#", StringComparison.Ordinal).Replace("%25", "%", StringComparison.Ordinal)
        : word;
}
