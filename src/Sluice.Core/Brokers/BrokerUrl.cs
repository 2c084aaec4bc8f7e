namespace Sluice.Core.Brokers;

/// <summary>
/// A broker URL as sr3 writes it (<c>amqp://user:password@host:port/vhost</c>, <c>mqtts://user@host</c>).
/// <see cref="ToString"/> never shows the password.
/// </summary>
public sealed record BrokerUrl
{
    /// <summary>The user a broker URL without one logs in as (sr3's <c>anonymous</c>, password <c>anonymous</c>).</summary>
    public const string AnonymousUser = "anonymous";

    public required string Scheme { get; init; }

    public required string Host { get; init; }

    /// <summary>The port, or 0 for the scheme's default.</summary>
    public int Port { get; init; }

    public string? User { get; init; }

    public string? Password { get; init; }

    /// <summary>The user this URL stands for: its own, or <see cref="AnonymousUser"/> when it names none.</summary>
    public string EffectiveUser => User ?? AnonymousUser;

    /// <summary>The AMQP virtual host (<c>/</c> by default).</summary>
    public string VirtualHost { get; init; } = "/";

    public bool IsTls => Scheme is "amqps" or "mqtts";

    /// <summary>A message broker's scheme (as opposed to a data server's): its URLs without a user mean <c>anonymous</c>.</summary>
    public static bool IsBrokerScheme(string scheme) => scheme is "amqp" or "amqps" or "mqtt" or "mqtts";

    /// <summary>The port to connect to: the given one or the scheme's default.</summary>
    public int EffectivePort => Port != 0 ? Port : Scheme switch
    {
        "amqp" => 5672,
        "amqps" => 5671,
        "mqtt" => 1883,
        "mqtts" => 8883,
        "nats" => 4222,
        _ => 0,
    };

    /// <summary>Reads a broker URL.</summary>
    /// <exception cref="FormatException">Not a URL with a scheme and a host; the message names it (without password).</exception>
    public static BrokerUrl Parse(string text)
    {
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new FormatException($"'{Redact(text)}' is not a broker URL (scheme://[user[:password]@]host[:port][/vhost])");
        }

        var scheme = text[..schemeEnd].ToLowerInvariant();
        var rest = text[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? string.Empty : rest[(slash + 1)..];
        string? user = null, password = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(userInfo[(colon + 1)..]);
        }

        var host = authority;
        var port = 0;
        var portColon = authority.LastIndexOf(':');
        if (portColon >= 0 && !authority.EndsWith(']'))
        {
            host = authority[..portColon];
            if (!int.TryParse(authority[(portColon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                throw new FormatException($"'{Redact(text)}': '{authority[(portColon + 1)..]}' is not a port");
            }
        }

        if (host.Length == 0)
        {
            throw new FormatException($"'{Redact(text)}' has no host");
        }

        return new BrokerUrl
        {
            Scheme = scheme,
            Host = host.Trim('[', ']'),
            Port = port,
            User = user,
            Password = password,
            VirtualHost = path.Length == 0 ? "/" : Uri.UnescapeDataString(path),
        };
    }

    /// <summary>The URL without its password, for logs and messages.</summary>
    public override string ToString()
    {
        var user = User is null ? string.Empty : Uri.EscapeDataString(User) + "@";
        var port = Port == 0 ? string.Empty : ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var vhost = VirtualHost == "/" ? "/" : "/" + Uri.EscapeDataString(VirtualHost);
        var host = Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host;
        return $"{Scheme}://{user}{host}{port}{vhost}";
    }

    /// <summary>Any URL with its password replaced by <c>***</c>.</summary>
    public static string Redact(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return url;
        }

        var at = url.IndexOf('@', schemeEnd + 3);
        var slash = url.IndexOf('/', schemeEnd + 3);
        if (at < 0 || (slash >= 0 && slash < at))
        {
            return url;
        }

        var colon = url.IndexOf(':', schemeEnd + 3);
        return colon < 0 || colon > at ? url : url[..(colon + 1)] + "***" + url[at..];
    }
}
