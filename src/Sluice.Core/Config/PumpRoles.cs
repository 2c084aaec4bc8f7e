using Sluice.Core.Brokers;

namespace Sluice.Core.Config;

/// <summary>
/// The users of a pump's broker and their sr3 roles, as <c>admin.conf</c> (or a <c>pump/*.conf</c>) declares them:
/// <c>declare source NAME</c>, <c>declare subscriber NAME</c>, <c>declare feeder NAME</c>, <c>declare admin NAME</c>,
/// plus the users of the <c>admin URL</c> (role admin) and <c>feeder URL</c> (role feeder) lines, and the exchanges of
/// <c>declare exchange NAME</c>. Passwords are not written here: they come from <c>credentials.conf</c>.
/// </summary>
public sealed record PumpRoles
{
    public static readonly IReadOnlyList<string> RoleNames = ["admin", "feeder", "source", "subscriber"];

    /// <summary>The <c>admin</c> URL: the broker the users are created on, and who creates them.</summary>
    public string? Admin { get; init; }

    public string? Feeder { get; init; }

    /// <summary>User name → role, in declaration order (a later line for the same user wins).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Users { get; init; }

    public required IReadOnlyList<string> Exchanges { get; init; }

    /// <summary>Reads <c>admin.conf</c> then <c>default.conf</c> (either may be missing).</summary>
    /// <exception cref="ConfigException">A line is not understood (every such line, with file:line).</exception>
    public static PumpRoles Load(SluicePaths paths)
    {
        var diagnostics = new List<ConfigDiagnostic>();
        var entries = new List<ConfigEntry>();
        foreach (var file in new[] { paths.AdminFile, paths.DefaultFile }.Where(File.Exists))
        {
            entries.AddRange(ConfigParser.Read(file, diagnostics, paths.ConfigDirectory));
        }

        string? admin = null, feeder = null;
        var declarations = new List<(KeyValuePair<string, string> Declaration, string File, int Line)>();
        foreach (var entry in entries)
        {
            switch (entry.Option)
            {
                case "admin":
                    admin = entry.Value;
                    break;
                case "feeder":
                    feeder = entry.Value;
                    break;
                case "declare":
                    var parts = entry.Value.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (parts.Length != 2)
                    {
                        diagnostics.Add(new ConfigDiagnostic(entry.File, entry.Line, true, $"{entry.WrittenAs}: needs a kind and a name (declare source alice)"));
                        break;
                    }

                    declarations.Add((new(parts[0], parts[1]), entry.File, entry.Line));
                    break;
            }
        }

        var errors = diagnostics.Where(d => d.IsError).ToList();
        return errors.Count > 0 ? throw new ConfigException(errors) : From([.. declarations.Select(d => d.Declaration)], admin, feeder);
    }

    /// <summary>The roles of a resolved configuration (a pump's): its <c>declare</c> lines and <c>admin</c>/<c>feeder</c> URLs.</summary>
    public static PumpRoles From(FlowConfig config) => From(config.Declarations, config.String("admin"), config.String("feeder"));

    private static PumpRoles From(IReadOnlyList<KeyValuePair<string, string>> declarations, string? admin, string? feeder)
    {
        var users = new List<KeyValuePair<string, string>>();
        void Add(string name, string role)
        {
            users.RemoveAll(u => u.Key == name);
            users.Add(new(name, role));
        }

        if (UserOf(admin) is { } adminUser)
        {
            Add(adminUser, "admin");
        }

        if (UserOf(feeder) is { } feederUser)
        {
            Add(feederUser, "feeder");
        }

        var exchanges = new List<string>();
        foreach (var (kind, name) in declarations)
        {
            switch (kind)
            {
                case "source" or "feeder" or "admin":
                    Add(name, kind);
                    break;
                case "subscriber" or "subscribe":
                    Add(name, "subscriber");
                    break;
                case "exchange":
                    exchanges.Add(name);
                    break;
            }
        }

        return new PumpRoles { Admin = admin, Feeder = feeder, Users = users, Exchanges = exchanges };
    }

    /// <summary>
    /// Each user with the password <c>credentials.conf</c> holds for it on <paramref name="broker"/> (same scheme,
    /// host and port); a user with no password there is listed in <paramref name="missing"/> and left out.
    /// </summary>
    public IReadOnlyList<(string Name, string Role, string Password)> WithPasswords(BrokerUrl broker, CredentialStore credentials, out IReadOnlyList<string> missing)
    {
        var found = new List<(string, string, string)>();
        var absent = new List<string>();
        var port = broker.Port == 0 ? string.Empty : ":" + broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var host = broker.Host.Contains(':', StringComparison.Ordinal) ? "[" + broker.Host + "]" : broker.Host;
        foreach (var (name, role) in Users)
        {
            var url = $"{broker.Scheme}://{Uri.EscapeDataString(name)}@{host}{port}/";
            if (name == broker.User && broker.Password is { } own)
            {
                found.Add((name, role, own));
            }
            else if (credentials.Find(url) is { Password: { } password })
            {
                found.Add((name, role, password));
            }
            else
            {
                absent.Add(url);
            }
        }

        missing = absent;
        return found;
    }

    private static string? UserOf(string? url)
    {
        if (url is null)
        {
            return null;
        }

        try
        {
            return BrokerUrl.Parse(url).User;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
