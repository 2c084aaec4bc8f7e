using Sluice.Core.Messages;

namespace Sluice.Core.Formats;

/// <summary>
/// A wire format of notification messages (sr3's <c>post_format</c>): v03, v02 or wis.
/// </summary>
public interface IMessageFormat
{
    /// <summary>The name used in configuration (<c>post_format v03</c>).</summary>
    string Name { get; }

    /// <summary>The content type sr3 gives messages of this format.</summary>
    string ContentType { get; }

    /// <summary>The topic prefix used when the configuration names none.</summary>
    IReadOnlyList<string> DefaultTopicPrefix { get; }

    /// <summary>Decodes a message received from a broker.</summary>
    /// <exception cref="MessageFormatException">The message is malformed; names the field.</exception>
    NotificationMessage Decode(WireMessage wire);

    /// <summary>Encodes a message; its topic is <paramref name="topicPrefix"/> plus the relPath's directories.</summary>
    /// <exception cref="MessageFormatException">The message cannot be written in this format.</exception>
    WireMessage Encode(NotificationMessage message, IReadOnlyList<string> topicPrefix);
}
