namespace Sluice.Brokers.Mqtt;

/// <summary>
/// sr3's permission scheme applied to MQTT topics, whose first level is the exchange: admin and feeder may do
/// anything; a source may write only its own <c>xs_&lt;user&gt;</c> exchanges; a subscriber may write only its
/// <c>xs_&lt;user&gt;</c>; both may write their own report exchange <c>xr_&lt;user&gt;</c> (where a flow with
/// <c>report on</c> posts) and no one else's; everyone may read <c>*public</c> exchanges, and each user its own
/// <c>xs_</c>, <c>xr_</c> and <c>xl_</c> exchanges.
/// </summary>
internal static class TopicPermissions
{
    public static bool MayPublish(PumpUser user, string topic)
    {
        if (IsPrivileged(user))
        {
            return true;
        }

        var exchange = FirstLevel(topic);
        return user.Role switch
        {
            "source" => exchange == "xs_" + user.Name || exchange.StartsWith("xs_" + user.Name + "_", StringComparison.Ordinal) || exchange == "xr_" + user.Name,
            "subscriber" => exchange == "xs_" + user.Name || exchange == "xr_" + user.Name,
            _ => false,
        };
    }

    public static bool MaySubscribe(PumpUser user, string filter)
    {
        if (IsPrivileged(user))
        {
            return true;
        }

        if (filter.StartsWith("$share/", StringComparison.Ordinal))
        {
            var groupEnd = filter.IndexOf('/', 7);
            filter = groupEnd < 0 ? string.Empty : filter[(groupEnd + 1)..];
        }

        var exchange = FirstLevel(filter);
        if (exchange.Contains('+', StringComparison.Ordinal) || exchange.Contains('#', StringComparison.Ordinal) || exchange.Length == 0)
        {
            return false;
        }

        return exchange.EndsWith("public", StringComparison.Ordinal) ||
            exchange == "xs_" + user.Name || exchange.StartsWith("xs_" + user.Name + "_", StringComparison.Ordinal) ||
            exchange == "xr_" + user.Name || exchange == "xl_" + user.Name;
    }

    private static bool IsPrivileged(PumpUser user) => user.Role is "admin" or "feeder";

    private static string FirstLevel(string topic)
    {
        var slash = topic.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? topic : topic[..slash];
    }
}
