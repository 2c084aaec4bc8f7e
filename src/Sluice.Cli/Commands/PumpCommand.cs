using System.CommandLine;
using System.Net;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Logging;
using Sluice.Daemon.Pump;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice pump</c>: the pump's own servers in the foreground: the embedded MQTT broker (users, passwords and sr3's
/// exchange permissions) and the http data server for a data tree, so one machine needs nothing installed.
/// The daemon runs the same servers for a <c>pump/*.conf</c> configuration.
/// </summary>
internal static class PumpCommand
{
    public static Command Create(CliContext context, Func<Sluice.Core.Config.SluicePaths> paths)
    {
        var mqtt = new Option<string>("--mqtt") { Description = "Where the MQTT broker listens.", DefaultValueFactory = _ => "127.0.0.1:1883" };
        var http = new Option<string>("--http") { Description = "Where the data server listens.", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var data = new Option<string>("--data") { Description = "The data tree to serve (the pump's post_baseDir).", Required = true };
        var users = new Option<string[]>("--user") { Description = "name:password:role (admin, feeder, source, subscriber); repeat for more.", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore, Required = true };
        var command = new Command("pump", "Run the embedded MQTT broker and the http data server in the foreground.") { mqtt, http, data, users };
        command.SetAction(async (r, ct) =>
        {
            if (!IPEndPoint.TryParse(r.GetValue(mqtt)!, out var mqttEndpoint) || !IPEndPoint.TryParse(r.GetValue(http)!, out var httpEndpoint))
            {
                await context.Error.WriteLineAsync("sluice pump: --mqtt and --http take address:port").ConfigureAwait(false);
                return 1;
            }

            var pumpUsers = new List<PumpUser>();
            foreach (var spec in r.GetValue(users)!)
            {
                var parts = spec.Split(':');
                if (parts.Length != 3 || parts[2] is not ("admin" or "feeder" or "source" or "subscriber"))
                {
                    await context.Error.WriteLineAsync($"sluice pump: --user {parts[0]}:...: expected name:password:role with role admin, feeder, source or subscriber").ConfigureAwait(false);
                    return 1;
                }

                pumpUsers.Add(new PumpUser(parts[0], parts[1], parts[2]));
            }

            using var logs = new TextWriterLoggerProvider(context.Error);
            var logger = logs.CreateLogger("pump");
            await using var pump = new EmbeddedPump(
                new PumpOptions { Broker = mqttEndpoint, Users = pumpUsers, DataDirectory = r.GetValue(data)!, DataServer = httpEndpoint, StateDirectory = Path.Combine(paths().StateDirectory, "pump") },
                logger);
            try
            {
                await pump.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await context.Error.WriteLineAsync($"sluice pump: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }
}
