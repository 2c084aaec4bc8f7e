using System.Text.RegularExpressions;
using Sluice.Core.Brokers;

namespace Sluice.Brokers.Amqp;

/// <summary>
/// RabbitMQ's refusals of a declare or bind (406 PRECONDITION_FAILED inequivalent arg, 403 ACCESS_REFUSED,
/// 404 NOT_FOUND) told in the configuration's words: what differs, and what to do.
/// </summary>
internal static partial class AmqpRefusals
{
    private const string Flow = BrokerRefusedException.FlowPlaceholder;

    /// <summary>The refusal <paramref name="code"/> with RabbitMQ's <paramref name="replyText"/> (<c>PRECONDITION_FAILED - ...</c>).</summary>
    public static BrokerRefusedException From(BrokerUrl broker, int code, string replyText, Exception innerException)
    {
        var dash = replyText.IndexOf(" - ", StringComparison.Ordinal);
        var detail = dash < 0 ? replyText : replyText[(dash + 3)..];
        var (problem, remedy) = code switch
        {
            406 when Inequivalent().Match(detail) is { Success: true } m => Differs(m),
            403 when AccessRefused().Match(detail) is { Success: true } m => Refused(m),
            404 when NotFound().Match(detail) is { Success: true } m => Missing(m),
            _ => (replyText, "compare the configuration with what exists on the broker"),
        };
        return new BrokerRefusedException(broker, problem, remedy, innerException);
    }

    private static (string, string) Differs(Match m)
    {
        string arg = m.Groups["arg"].Value, kind = m.Groups["kind"].Value, name = m.Groups["name"].Value;
        string received = m.Groups["received"].Value, current = m.Groups["current"].Value;
        var problem = (current, received) switch
        {
            ("none", _) => $"{kind} {name} exists without {arg}, this configuration asks {arg}={received}",
            (_, "none") => $"{kind} {name} exists with {arg}={current}, this configuration asks for none",
            _ => $"{kind} {name} exists with {arg}={current}, this configuration asks {received}",
        };
        var option = arg switch
        {
            "x-expires" => "expire",
            "durable" => "durable",
            _ => null,
        };
        var match = option is null ? string.Empty : $", or set `{option}` to match";
        var remedy = kind == "queue"
            ? $"run `sluice cleanup {Flow}` to delete it{match}"
            : $"the exchange was declared otherwise: have it deleted and declared again{match}";
        return (problem, remedy);
    }

    private static (string, string) Refused(Match m)
    {
        string kind = m.Groups["kind"].Value, name = m.Groups["name"].Value, user = m.Groups["user"].Value;
        var remedy = kind == "queue"
            ? $"name it q_{user}.* (`queueName`), or have the broker's administrator grant it (`sluice declare --users`)"
            : $"use an exchange {user} may use (`exchange`, `post_exchange`), or have the broker's administrator grant it (`sluice declare --users`)";
        return ($"user {user} may not use {kind} {name} (ACCESS_REFUSED)", remedy);
    }

    private static (string, string) Missing(Match m)
    {
        string kind = m.Groups["kind"].Value, name = m.Groups["name"].Value;
        return kind == "exchange"
            ? ($"exchange {name} does not exist", $"check `exchange`, or have it declared (`sluice declare {Flow}` as a user allowed to, or `exchangeDeclare on`)")
            : ($"queue {name} does not exist", $"run `sluice declare {Flow}`, or set `queueDeclare on`");
    }

    [GeneratedRegex(@"inequivalent arg '(?<arg>[^']+)' for (?<kind>queue|exchange) '(?<name>[^']*)' in vhost '[^']*': received (?:the value )?'?(?<received>[^' ]*)'?(?: of type '[^']*')? but current is (?:the value )?'?(?<current>[^' ]*)'?")]
    private static partial Regex Inequivalent();

    [GeneratedRegex(@"access to (?<kind>queue|exchange) '(?<name>[^']*)' in vhost '[^']*' refused for user '(?<user>[^']*)'")]
    private static partial Regex AccessRefused();

    [GeneratedRegex(@"no (?<kind>queue|exchange) '(?<name>[^']*)'")]
    private static partial Regex NotFound();
}
