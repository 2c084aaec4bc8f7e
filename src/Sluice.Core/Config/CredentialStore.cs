namespace Sluice.Core.Config;

/// <summary>
/// <c>credentials.conf</c>: URLs with passwords and details (<c>ssh_keyfile</c>, <c>passive</c>/<c>active</c>,
/// <c>binary</c>/<c>ascii</c>, <c>tls</c>, <c>prot_p</c>, <c>implicit_ftps</c>, <c>bearer_token</c>). Configurations name
/// servers without passwords; the password is found here. The file must not be readable by others.
/// </summary>
public sealed class CredentialStore
{
    private readonly List<Credential> _entries;

    private CredentialStore(List<Credential> entries) => _entries = entries;

    public static CredentialStore Empty { get; } = new([]);

    public int Count => _entries.Count;

    /// <summary>Reads the file; a missing file is an empty store.</summary>
    /// <exception cref="ConfigException">Readable by group or others, or a line is not a URL.</exception>
    public static CredentialStore Load(string path)
    {
        if (!File.Exists(path))
        {
            return Empty;
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
            {
                throw new ConfigException([new ConfigDiagnostic(path, 0, true, $"holds passwords but others can read it (mode {Convert.ToString((int)mode, 8)}); fix with: chmod 600 {path}")]);
            }
        }

        var errors = new List<ConfigDiagnostic>();
        var entries = new List<Credential>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
            try
            {
                entries.Add(Parse(parts[0], parts.Skip(1)));
            }
            catch (FormatException ex)
            {
                // The message must not carry the password: name the line only.
                errors.Add(new ConfigDiagnostic(path, i + 1, true, "not a URL with credentials: " + ex.Message));
            }
        }

        return errors.Count > 0 ? throw new ConfigException(errors) : new CredentialStore(entries);
    }

    private static Credential Parse(string url, IEnumerable<string> details)
    {
        var parsed = Brokers.BrokerUrl.Parse(url);
        var credential = new Credential(parsed.Scheme, parsed.User, parsed.Password, parsed.Host, parsed.Port);
        foreach (var detail in details)
        {
            var eq = detail.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? detail : detail[..eq]).ToLowerInvariant();
            var value = eq < 0 ? null : detail[(eq + 1)..];
            credential = key switch
            {
                "ssh_keyfile" => credential with { SshKeyFile = value },
                "passive" => credential with { Passive = true },
                "active" => credential with { Passive = false },
                "binary" => credential with { Binary = true },
                "ascii" => credential with { Binary = false },
                "tls" => credential with { Tls = true },
                "prot_p" => credential with { ProtP = true },
                "implicit_ftps" => credential with { ImplicitFtps = true, Tls = true },
                "bearer_token" => credential with { BearerToken = value },
                "login_method" => credential with { LoginMethod = value },
                _ => credential,
            };
        }

        return credential;
    }

    /// <summary>The entry for a URL written without a password: same scheme, host and port, and user when the URL names one.</summary>
    public Credential? Find(string url)
    {
        Brokers.BrokerUrl parsed;
        try
        {
            parsed = Brokers.BrokerUrl.Parse(url);
        }
        catch (FormatException)
        {
            return null;
        }

        return _entries.FirstOrDefault(e =>
            e.Scheme == parsed.Scheme && string.Equals(e.Host, parsed.Host, StringComparison.OrdinalIgnoreCase) &&
            (e.Port == parsed.Port || e.Port == 0 || parsed.Port == 0) &&
            (parsed.User is null || e.User == parsed.User));
    }

    /// <summary>
    /// The URL with the password from the store filled in (when the URL has none). A broker URL without a user logs in
    /// as <c>anonymous</c>, as sr3's does: with the password the store holds for <c>anonymous</c> on that broker, else
    /// (AMQP) the password <c>anonymous</c>. An MQTT URL without a user and nothing in the store stays without one: it
    /// logs in the way MQTT says anonymous, with no user name.
    /// </summary>
    public string Complete(string url)
    {
        Brokers.BrokerUrl parsed;
        try
        {
            parsed = Brokers.BrokerUrl.Parse(url);
        }
        catch (FormatException)
        {
            return url; // file: URLs and the like carry no credentials
        }

        if (parsed.Password is not null)
        {
            return url;
        }

        if (parsed.User is null && Brokers.BrokerUrl.IsBrokerScheme(parsed.Scheme))
        {
            var anonymous = WithUserInfo(url, Brokers.BrokerUrl.AnonymousUser, null);
            var password = Find(anonymous)?.Password;
            return password is null && parsed.Scheme is "mqtt" or "mqtts" ? url
                : WithUserInfo(url, Brokers.BrokerUrl.AnonymousUser, password ?? Brokers.BrokerUrl.AnonymousUser);
        }

        return Find(url) is { } found ? WithUserInfo(url, parsed.User ?? found.User, found.Password) : url;
    }

    /// <summary>
    /// Identifies what the store says about <paramref name="urls"/> (every entry when null): equal fingerprints, same
    /// passwords and settings, so a reload restarts a flow whose credentials changed and leaves the others alone.
    /// </summary>
    public string Fingerprint(IEnumerable<string>? urls = null)
    {
        var text = new System.Text.StringBuilder();
        foreach (var url in urls ?? [])
        {
            text.Append(Complete(url)).Append(' ').Append(Find(url)).Append('\n');
        }

        if (urls is null)
        {
            foreach (var entry in _entries)
            {
                text.Append(entry).Append('\n');
            }
        }

        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The URL with its user information replaced.</summary>
    private static string WithUserInfo(string url, string? user, string? password)
    {
        var userInfo = user is null ? string.Empty : Uri.EscapeDataString(user) + (password is null ? string.Empty : ":" + Uri.EscapeDataString(password)) + "@";
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var at = url.IndexOf('@', schemeEnd);
        var slash = url.IndexOf('/', schemeEnd);
        var hostStart = at >= 0 && (slash < 0 || at < slash) ? at + 1 : schemeEnd;
        return url[..schemeEnd] + userInfo + url[hostStart..];
    }
}
