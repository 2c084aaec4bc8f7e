using System.Net;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Brokers;
using Sluice.Core.Config;

namespace Sluice.Daemon.Pump;

/// <summary>
/// A <c>pump/&lt;name&gt;.conf</c> as the daemon runs it: <c>broker mqtt://ADDRESS:PORT</c> is where the embedded broker
/// listens, <c>dataServer http://ADDRESS:PORT</c> where the data server listens, serving <c>baseDir</c> (or
/// <c>directory</c>); the users are its <c>declare source|subscriber|feeder|admin NAME</c> lines (and the users of
/// <c>admin</c>/<c>feeder</c> URLs), each with its password from <c>credentials.conf</c> for that broker. With
/// <c>dataServerWrite on</c> the sources, feeders and admins may also write to the data tree over http.
/// </summary>
internal static class PumpConfiguration
{
    /// <summary>The pump's servers from its configuration.</summary>
    /// <exception cref="ConfigException">Something is missing or unusable (every problem at once).</exception>
    public static PumpOptions ToOptions(FlowConfig config, SluicePaths paths, CredentialStore credentials)
    {
        var errors = new List<ConfigDiagnostic>();
        IPEndPoint? broker = null;
        var users = new List<PumpUser>();
        if (config.String("broker") is { } brokerText)
        {
            try
            {
                var url = BrokerUrl.Parse(brokerText);
                if (url.Scheme != "mqtt")
                {
                    errors.Add(config.ErrorAt("broker", $"broker {url}: the embedded broker speaks mqtt (write broker mqtt://127.0.0.1:PORT)"));
                }
                else if (Address(url.Host) is not { } address)
                {
                    errors.Add(config.ErrorAt("broker", $"broker {url}: the embedded broker listens on an address of this machine (an IP address or localhost), not {url.Host}"));
                }
                else
                {
                    broker = new IPEndPoint(address, url.EffectivePort);
                    var declared = PumpRoles.From(config).WithPasswords(url with { User = null, Password = null }, credentials, out var missing);
                    users.AddRange(declared.Select(u => new PumpUser(u.Name, u.Password, u.Role)));
                    errors.AddRange(missing.Select(m => config.ErrorAt("broker", $"no password for {m} in {paths.CredentialsFile}")));
                    if (declared.Count == 0 && missing.Count == 0)
                    {
                        errors.Add(config.ErrorAt("broker", "the broker has no users: declare them (declare source alice, declare subscriber bob, declare feeder tfeed) with their passwords in credentials.conf"));
                    }
                }
            }
            catch (FormatException ex)
            {
                errors.Add(config.ErrorAt("broker", $"broker: {ex.Message}"));
            }
        }

        IPEndPoint? dataServer = null;
        var dataDirectory = config.String("baseDir") ?? config.String("directory");
        if (config.String("dataServer") is { } http)
        {
            if (!Uri.TryCreate(http, UriKind.Absolute, out var uri) || uri.Scheme != "http" || Address(uri.Host.Trim('[', ']')) is not { } address)
            {
                errors.Add(config.ErrorAt("dataServer", $"dataServer {http}: expected http://ADDRESS:PORT with an address of this machine"));
            }
            else
            {
                dataServer = new IPEndPoint(address, uri.Port);
            }

            if (dataDirectory is null)
            {
                errors.Add(config.ErrorAt("dataServer", "dataServer needs baseDir: the data tree it serves"));
            }
        }

        var write = config.Flag("dataServerWrite");
        if (write && (dataServer is null || users.Count == 0))
        {
            errors.Add(config.ErrorAt("dataServerWrite", "dataServerWrite on lets the pump's users write to its data server: it needs dataServer and the broker's users (declare source alice, ...)"));
        }

        if (config.String("broker") is null && config.String("dataServer") is null)
        {
            errors.Add(new ConfigDiagnostic(config.File, 0, true, "a pump runs an embedded broker (broker mqtt://127.0.0.1:PORT), a data server (dataServer http://127.0.0.1:PORT with baseDir), or both: it names neither"));
        }

        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }

        return new PumpOptions
        {
            Broker = broker,
            Users = users,
            DataDirectory = dataDirectory,
            DataServer = dataServer,
            DataServerWrite = write,
            StateDirectory = paths.FlowState(config.Component, config.Name),
        };
    }

    private static IPAddress? Address(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.TryParse(host, out var address) ? address : null;
}
