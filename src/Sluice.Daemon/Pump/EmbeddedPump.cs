using Microsoft.Extensions.Logging;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Logging;
using Sluice.Daemon.DataServer;

namespace Sluice.Daemon.Pump;

/// <summary>
/// A pump's own servers, so one machine needs nothing installed: the embedded MQTT broker (users, passwords, sr3's
/// exchange permissions, retained messages kept in the state directory) and the http data server for its data tree.
/// <c>sluice pump</c> runs one in the foreground; the daemon hosts one per <c>pump/*.conf</c>.
/// </summary>
public sealed partial class EmbeddedPump(PumpOptions options, ILogger logger) : IAsyncDisposable
{
    private EmbeddedMqttBroker? _broker;
    private DataServer.DataServer? _dataServer;

    /// <summary>The data server's base URL (what flows put in <c>post_baseUrl</c>), once started.</summary>
    public string? BaseUrl => _dataServer?.BaseUrl;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (options.Broker is { } endpoint)
            {
                _broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Address = endpoint.Address, Port = endpoint.Port, Users = options.Users, StateDirectory = options.StateDirectory }, logger);
                try
                {
                    await _broker.StartAsync().ConfigureAwait(false);
                }
                catch (System.Net.Sockets.SocketException ex)
                {
                    throw new IOException($"the embedded MQTT broker cannot listen on {endpoint}: {ex.Message}", ex);
                }
            }

            if (options.DataServer is { } http && options.DataDirectory is { } root)
            {
                Directory.CreateDirectory(root);
                _dataServer = new DataServer.DataServer(DataServerOptionsFor(options, root, http));
                await _dataServer.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }

        PumpLog.Ready(logger, options.Broker?.ToString() ?? "(none)", options.Users.Count, options.DataDirectory ?? "(none)", BaseUrl ?? "(none)");
    }

    /// <summary>The data server's options: read-only and open, or with <c>dataServerWrite</c> writable by the pump's writers.</summary>
    internal static DataServerOptions DataServerOptionsFor(PumpOptions options, string root, System.Net.IPEndPoint http)
    {
        var server = new DataServerOptions { Root = root, BindAddress = http.Address, Port = http.Port };
        if (!options.DataServerWrite)
        {
            return server;
        }

        return server with
        {
            Users = options.Users.ToDictionary(u => u.Name, u => u.Password, StringComparer.Ordinal),
            Writers = options.Users.Where(u => u.Role is "source" or "feeder" or "admin").Select(u => u.Name).ToHashSet(StringComparer.Ordinal),
            AnonymousRead = true,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataServer is { } server)
        {
            _dataServer = null;
            await server.DisposeAsync().ConfigureAwait(false);
        }

        if (_broker is { } broker)
        {
            _broker = null;
            await broker.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static partial class PumpLog
    {
        [LoggerMessage(EventId = LogEvents.Pump.Ready, Level = LogLevel.Information, Message = "pump ready: mqtt broker {Broker} with {Users} user(s), data {Root} served at {BaseUrl}")]
        public static partial void Ready(ILogger logger, string broker, int users, string root, string baseUrl);
    }
}
