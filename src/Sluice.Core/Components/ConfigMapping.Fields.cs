using Sluice.Core.Brokers;
using Sluice.Core.Config;
using Sluice.Core.Flows;

namespace Sluice.Core.Components;

public static partial class ConfigMapping
{
    /// <summary>
    /// What sr3 sets on each message a flow receives, before accept/reject: the <c>header</c> values, and for a message
    /// from a broker its <c>source</c> (sr3's deriveSource with <c>source</c>, <c>sourceFromExchange</c>,
    /// <c>sourceFromMessage</c>; without them the post_broker's user, else the broker's).
    /// </summary>
    internal static Action<FlowMessage> NewMessageFields(FlowConfig config)
    {
        var headers = config.Headers;
        var fromExchange = config.Flag("sourceFromExchange");
        var fromMessage = config.Flag("sourceFromMessage");
        var configured = config.String("source") ?? (fromExchange ? null : UserOf(config.String("post_broker")) ?? UserOf(config.String("broker")));
        return item =>
        {
            if (item.Exchange is { } exchange)
            {
                MessageFields.DeriveSource(item.Message, exchange, configured, fromExchange, fromMessage);
            }

            // After the source, as sr3 does: a header may set the source too.
            MessageFields.ApplyHeaders(item.Message, headers);
        };
    }

    private static string? UserOf(string? brokerUrl)
    {
        if (brokerUrl is null)
        {
            return null;
        }

        try
        {
            return BrokerUrl.Parse(brokerUrl).User is { Length: > 0 } user ? user : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
