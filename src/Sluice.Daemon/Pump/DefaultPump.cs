using System.Net;
using System.Security.Cryptography;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Config;

namespace Sluice.Daemon.Pump;

/// <summary>
/// The pump the daemon runs when nothing names a broker (no configuration, nor <c>default.conf</c>, sets
/// <c>broker</c> or <c>post_broker</c>, and there is no <c>pump/*.conf</c>): an embedded MQTT broker on
/// <c>127.0.0.1:25883</c> (<c>$SLUICE_DEFAULT_PUMP</c> moves it), with one feeder user, <c>sluice</c>, whose password is
/// made once and kept in <c>$SLUICE_STATE_DIR/pump/default/password</c>. It becomes the broker of the configurations:
/// <c>broker</c> of the subscribing ones, <c>post_broker</c> of post, watch and poll.
/// </summary>
internal static class DefaultPump
{
    public const string Name = "default";

    public const string User = "sluice";

    /// <summary>Where the default pump listens.</summary>
    /// <exception cref="ConfigException"><c>$SLUICE_DEFAULT_PUMP</c> is not ADDRESS:PORT.</exception>
    public static IPEndPoint Endpoint()
    {
        var text = Environment.GetEnvironmentVariable("SLUICE_DEFAULT_PUMP");
        if (text is null)
        {
            return new IPEndPoint(IPAddress.Loopback, 25883);
        }

        return IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new ConfigException([new ConfigDiagnostic("$SLUICE_DEFAULT_PUMP", 0, true, $"{text} is not ADDRESS:PORT")]);
    }

    /// <summary>The default pump's password, made (readable by the user only) on first use.</summary>
    public static string Password(SluicePaths paths)
    {
        var file = Path.Combine(paths.FlowState("pump", Name), "password");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } kept)
        {
            return kept;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(file + ".tmp", options))
        {
            writer.Write(password + "\n");
        }

        File.Move(file + ".tmp", file, overwrite: true);
        return File.ReadAllText(file).Trim();
    }

    /// <summary>The default pump's servers.</summary>
    public static PumpOptions Options(SluicePaths paths, IPEndPoint endpoint, string password) => new()
    {
        Broker = endpoint,
        Users = [new PumpUser(User, password, "feeder")],
        StateDirectory = paths.FlowState("pump", Name),
    };

    /// <summary>The URL the configurations use (with the password).</summary>
    public static string Url(IPEndPoint endpoint, string password) =>
        $"mqtt://{User}:{password}@{(endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + endpoint.Address + "]" : endpoint.Address.ToString())}:{endpoint.Port}";
}
