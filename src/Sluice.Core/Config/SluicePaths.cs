namespace Sluice.Core.Config;

/// <summary>
/// Where configuration and state live: <c>~/.config/sluice</c> and <c>~/.cache/sluice</c>, or
/// <c>$SLUICE_CONFIG_DIR</c> and <c>$SLUICE_STATE_DIR</c>.
/// </summary>
public sealed record SluicePaths(string ConfigDirectory, string StateDirectory)
{
    public static readonly IReadOnlyList<string> Components =
        ["post", "watch", "poll", "subscribe", "sarra", "sender", "shovel", "winnow", "report", "flow", "pump"];

    public static SluicePaths FromEnvironment()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var config = Environment.GetEnvironmentVariable("SLUICE_CONFIG_DIR") ?? Path.Combine(home, ".config", "sluice");
        var state = Environment.GetEnvironmentVariable("SLUICE_STATE_DIR") ?? Path.Combine(home, ".cache", "sluice");
        return new SluicePaths(config, state);
    }

    public string CredentialsFile => Path.Combine(ConfigDirectory, "credentials.conf");

    public string DefaultFile => Path.Combine(ConfigDirectory, "default.conf");

    public string AdminFile => Path.Combine(ConfigDirectory, "admin.conf");

    public string LogDirectory => Path.Combine(StateDirectory, "log");

    public string ConfigFile(string component, string name) => Path.Combine(ConfigDirectory, component, name + ".conf");

    /// <summary>The state of one flow: nodupe, retry queues, queue name.</summary>
    public string FlowState(string component, string name) => Path.Combine(StateDirectory, component, name);

    /// <summary>Every configuration file: (component, name, enabled).</summary>
    public IEnumerable<(string Component, string Name, bool Enabled)> List(string? component = null)
    {
        foreach (var c in Components.Where(c => component is null || c == component))
        {
            var dir = Path.Combine(ConfigDirectory, c);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (name.EndsWith(".conf", StringComparison.Ordinal))
                {
                    yield return (c, name[..^5], true);
                }
                else if (name.EndsWith(".conf.off", StringComparison.Ordinal))
                {
                    yield return (c, name[..^9], false);
                }
            }
        }
    }
}
