using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

/// <summary>What sr3 sets on the messages a flow handles, whatever the component: <c>header</c> values and the <c>source</c>.</summary>
internal static class MessageFields
{
    /// <summary>
    /// Fields a <c>header</c> may not set: the flow computes them (what a file is, where, and its data), so a fixed
    /// value would announce something else than what is served.
    /// </summary>
    internal static readonly IReadOnlySet<string> Reserved = new HashSet<string>(
        ["pubTime", "baseUrl", "relPath", "retrievePath", "identity", "integrity", "size", "blocks", "fileOp", "content", "mtime", "atime", "mode", "report"],
        StringComparer.Ordinal);

    /// <summary>sr3's <c>header name=value</c>: sets (or replaces) each on the message, a later one of the same name winning.</summary>
    public static void ApplyHeaders(NotificationMessage message, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        foreach (var (name, value) in headers)
        {
            switch (name)
            {
                case "source": message.Source = value; break;
                case "from_cluster": message.FromCluster = value; break;
                case "to_clusters": message.ToClusters = value; break;
                case "contentType": message.ContentType = value; break;
                case "rename": message.Rename = value; break;
                default: message.SetHeader(Header.FromString(name, value)); break;
            }
        }
    }

    /// <summary>
    /// sr3's <c>deriveSource</c> on a message received from <paramref name="exchange"/>: the configured source (the
    /// <c>source</c> option, else the post_broker's or broker's user), or with <c>sourceFromExchange</c> the user of
    /// an <c>xs_&lt;user&gt;</c> exchange; <c>sourceFromMessage</c> keeps a source the message has. No source at all
    /// removes the message's.
    /// </summary>
    public static void DeriveSource(NotificationMessage message, string exchange, string? configured, bool fromExchange, bool fromMessage)
    {
        var source = configured;
        if (source is null && fromExchange && exchange.StartsWith("xs_", StringComparison.Ordinal))
        {
            var user = exchange[3..].Split('_', 2)[0];
            source = user.Length > 0 ? user : null;
        }

        if (message.Source is not null && fromMessage)
        {
            return;
        }

        message.Source = source;
    }
}
