using System.Text.Json.Nodes;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

/// <summary>The daemon hosting the embedded pump (broker and data server) from configuration, driven as real processes.</summary>
public class CliPumpTests
{
    private static JsonObject Flows(string config, string state, IReadOnlyDictionary<string, string> environment)
    {
        var status = JsonNode.Parse(CliFlowTests.Process(config, state, environment, "status", "--json").Out)!;
        return new JsonObject(status["flows"]!.AsArray().Select(f => KeyValuePair.Create((string)f!["name"]!, (JsonNode?)f.DeepClone())));
    }

    /// <summary>Waits until every flow named runs (a subscriber must be subscribed before files are announced).</summary>
    internal static JsonObject WaitRunning(string config, string state, IReadOnlyDictionary<string, string> environment, params string[] names)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var flows = Flows(config, state, environment);
        while (DateTime.UtcNow < deadline && !names.All(n => (string?)flows[n]?["state"] == "running"))
        {
            Thread.Sleep(200);
            flows = Flows(config, state, environment);
        }

        foreach (var name in names)
        {
            Assert.True((string?)flows[name]?["state"] == "running", $"{name}: {flows[name]?.ToJsonString() ?? "missing"}");
        }

        return flows;
    }

    private static void DropAndAwait(string tree, string destination, int count)
    {
        Directory.CreateDirectory(tree);
        for (var i = 0; i < count; i++)
        {
            File.WriteAllText(Path.Combine(tree, $"f{i}.txt"), $"file {i}\n");
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (!Directory.Exists(destination) || Directory.GetFiles(destination).Count(f => !f.EndsWith(".tmp", StringComparison.Ordinal)) < count))
        {
            Thread.Sleep(200);
        }

        for (var i = 0; i < count; i++)
        {
            var copy = Path.Combine(destination, $"f{i}.txt");
            Assert.True(File.Exists(copy), $"{copy} never arrived");
            Assert.Equal($"file {i}\n", File.ReadAllText(copy));
        }
    }

    [Fact]
    public async Task A_pump_configuration_runs_the_broker_and_data_server_in_the_daemon_for_a_watch_and_a_subscriber()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        var data = dir.File("pumpdata");
        var destination = dir.File("destination");
        int mqtt = Ports.Free(), http = Ports.Free();
        var broker = $"127.0.0.1:{mqtt}";
        var none = new Dictionary<string, string>();
        foreach (var component in new[] { "pump", "watch", "subscribe" })
        {
            Directory.CreateDirectory(Path.Combine(config, component));
        }

        File.WriteAllText(Path.Combine(config, "pump", "local.conf"),
            $"broker mqtt://{broker}\ndataServer http://127.0.0.1:{http}\nbaseDir {data}\ndeclare feeder tfeed\ndeclare source alice\ndeclare subscriber bob\n");
        File.WriteAllText(Path.Combine(config, "credentials.conf"), $"mqtt://tfeed:fpw@{broker}\nmqtt://alice:apw@{broker}\nmqtt://bob:bpw@{broker}\n");
        File.SetUnixFileMode(Path.Combine(config, "credentials.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(config, "watch", "w.conf"),
            $"post_broker mqtt://tfeed@{broker}\npost_exchange xpublic\npost_baseUrl http://127.0.0.1:{http}/\npost_baseDir {data}\npath {data}/incoming\n");
        File.WriteAllText(Path.Combine(config, "subscribe", "s.conf"),
            $"broker mqtt://bob@{broker}\nexchange xpublic\nsubtopic #\ndirectory {destination}\nmirror on\naccept .*\n");
        Directory.CreateDirectory(Path.Combine(data, "incoming"));
        try
        {
            var start = CliFlowTests.Process(config, state, "start");
            Assert.True(start.Code == 0, start.Out + start.Err);
            var flows = WaitRunning(config, state, none, "pump/local", "watch/w", "subscribe/s");
            Assert.Equal(1, (int)flows["pump/local"]!["instancesRunning"]!);

            DropAndAwait(Path.Combine(data, "incoming"), Path.Combine(destination, "incoming"), 10);

            // The data server is the daemon's: the file is served from the pump's tree.
            using var client = new HttpClient();
            Assert.Equal("file 3\n", await client.GetStringAsync(new Uri($"http://127.0.0.1:{http}/incoming/f3.txt")));
            Assert.Contains("pump ready", File.ReadAllText(Path.Combine(state, "log", "pump_local_01.log")));
        }
        finally
        {
            var stop = CliFlowTests.Process(config, state, "stop");
            Assert.True(stop.Code == 0 && stop.Out.Contains("daemon stopped", StringComparison.Ordinal), stop.Out + stop.Err);
        }

        Assert.False(File.Exists(Path.Combine(state, "sluice.pid")));
        Assert.False(await Ports.WaitOpenAsync(mqtt, TimeSpan.FromMilliseconds(300)), "the pump's broker still listens after stop");
    }

    [Fact]
    public void With_no_broker_named_anywhere_start_runs_the_default_pump_and_the_flows_use_it()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        var source = dir.File("source");
        var destination = dir.File("destination");
        var environment = new Dictionary<string, string> { ["SLUICE_DEFAULT_PUMP"] = $"127.0.0.1:{Ports.Free()}" };
        Directory.CreateDirectory(Path.Combine(config, "watch"));
        Directory.CreateDirectory(Path.Combine(config, "subscribe"));
        Directory.CreateDirectory(Path.Combine(source, "new"));
        File.WriteAllText(Path.Combine(config, "watch", "w.conf"), $"post_baseUrl file://{source}/\npost_baseDir {source}\npath {source}/new\n");
        File.WriteAllText(Path.Combine(config, "subscribe", "s.conf"), $"directory {destination}\nmirror on\naccept .*\n");
        try
        {
            var start = CliFlowTests.Process(config, state, environment, "start");
            Assert.True(start.Code == 0, start.Out + start.Err);
            WaitRunning(config, state, environment, "pump/default", "watch/w", "subscribe/s");

            DropAndAwait(Path.Combine(source, "new"), Path.Combine(destination, "new"), 5);
            var password = Path.Combine(state, "pump", "default", "password");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(password));
        }
        finally
        {
            var stop = CliFlowTests.Process(config, state, environment, "stop");
            Assert.True(stop.Code == 0, stop.Out + stop.Err);
        }
    }

    [Fact]
    public void A_pump_configuration_without_passwords_shows_as_failed_with_what_is_missing()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        Directory.CreateDirectory(Path.Combine(config, "pump"));
        File.WriteAllText(Path.Combine(config, "pump", "p.conf"), $"broker mqtt://127.0.0.1:{Ports.Free()}\ndeclare source alice\n");
        try
        {
            Assert.Equal(0, CliFlowTests.Process(config, state, "start").Code);
            var flows = Flows(config, state, new Dictionary<string, string>());
            Assert.Equal("failed", (string?)flows["pump/p"]!["state"]);
            Assert.Contains("no password for mqtt://alice@127.0.0.1:", (string?)flows["pump/p"]!["lastError"]);
            Assert.Null(flows["pump/default"]);
        }
        finally
        {
            CliFlowTests.Process(config, state, "stop");
        }
    }

    [Fact]
    public void The_default_pump_is_defined_only_when_no_configuration_names_a_broker_even_a_broken_one()
    {
        using var dir = new TempDirectory();
        var paths = new Sluice.Core.Config.SluicePaths(dir.File("config"), dir.File("state"));
        Directory.CreateDirectory(dir.File("config/subscribe"));
        Directory.CreateDirectory(dir.File("config/watch"));
        File.WriteAllText(dir.File("config/watch/w.conf"), $"post_baseUrl file:///tmp/\npath {dir.File("src")}\n");
        File.WriteAllText(dir.File("config/subscribe/s.conf"), $"directory {dir.File("dest")}\n");
        var catalog = new Sluice.Daemon.ConfigCatalog(paths, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, logToFiles: false);

        var flows = catalog.Load().ToDictionary(d => d.Name);
        Assert.NotNull(flows["pump/default"].Service);
        Assert.Null(flows["subscribe/s"].Error);
        Assert.Null(flows["watch/w"].Error);

        File.WriteAllText(dir.File("config/subscribe/broken.conf"), "broker mqtt://127.0.0.1:9/\nbatch lots\n");
        flows = catalog.Load().ToDictionary(d => d.Name);
        Assert.False(flows.ContainsKey("pump/default"));
        Assert.Contains("no broker", flows["subscribe/s"].Error);
        Assert.Contains("broken.conf:2", flows["subscribe/broken"].Error);
    }
}
