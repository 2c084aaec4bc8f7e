using System.Diagnostics;
using System.Text.Json.Nodes;
using Sluice.Core.Config;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

/// <summary>The operator's commands, in-process and as a real process, against a real Mosquitto.</summary>
[Collection("Mosquitto")]
public class CliFlowTests(MosquittoServer mosquitto)
{
    private static (int Code, string Out, string Err) Run(SluicePaths paths, params string[] args) => InProcessCli.Run(paths, args);

    [Fact]
    public void Demo_runs_a_whole_pump_and_finds_the_destination_identical()
    {
        var (code, output, error) = InProcessCli.Run(["demo", "--files", "60"]);
        Assert.True(code == 0, output + error);
        Assert.Contains("OK: all 60 files arrived", output);
        Assert.Contains("subscribe/demo", output);
    }

    internal static string Sluice => Path.Combine(AppContext.BaseDirectory, "sluice.dll");

    internal static (int Code, string Out, string Err) Process(string configDir, string stateDir, params string[] args) => Process(configDir, stateDir, new Dictionary<string, string>(), args);

    /// <summary>Runs <c>sluice</c> as a real process with these directories and environment variables.</summary>
    internal static (int Code, string Out, string Err) Process(string configDir, string stateDir, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Sluice);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["SLUICE_CONFIG_DIR"] = configDir;
        info.Environment["SLUICE_STATE_DIR"] = stateDir;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var p = System.Diagnostics.Process.Start(info)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, error);
    }

    [Fact]
    public void Start_status_post_stop_as_real_processes_with_a_broken_configuration_beside_a_working_one()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        var source = dir.File("source/data");
        var destination = dir.File("destination");
        Directory.CreateDirectory(Path.Combine(config, "subscribe"));
        Directory.CreateDirectory(source);
        for (var i = 0; i < 25; i++)
        {
            File.WriteAllText(Path.Combine(source, $"f{i}.txt"), $"file {i}\n");
        }

        var exchange = "xcli" + Guid.NewGuid().ToString("N")[..6];
        File.WriteAllText(Path.Combine(config, "subscribe", "good.conf"), $"broker {mosquitto.Url}\nexchange {exchange}\nsubtopic #\ndirectory {destination}\nmirror on\naccept .*\n");
        File.WriteAllText(Path.Combine(config, "subscribe", "broken.conf"), $"broker {mosquitto.Url}\nbatch lots\n");
        try
        {
            var start = Process(config, state, "start");
            Assert.True(start.Code == 0, start.Out + start.Err);

            var status = JsonNode.Parse(Process(config, state, "status", "--json").Out)!;
            Assert.True((bool)status["running"]!);
            var flows = status["flows"]!.AsArray().ToDictionary(f => (string)f!["name"]!, f => f!);
            Assert.Equal("running", (string?)flows["subscribe/good"]["state"]);
            Assert.Equal("failed", (string?)flows["subscribe/broken"]["state"]);
            Assert.Contains("broken.conf:2", (string?)flows["subscribe/broken"]["lastError"]);

            var post = Process(config, state, "post", "--post_broker", mosquitto.Url, "--post_exchange", exchange, "--post_baseUrl", "file://" + dir.File("source") + "/", "--post_baseDir", dir.File("source"), source);
            Assert.True(post.Code == 0, post.Out + post.Err);

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && (!Directory.Exists(Path.Combine(destination, "data")) || Directory.GetFiles(Path.Combine(destination, "data")).Length < 25))
            {
                Thread.Sleep(200);
            }

            Assert.Equal(25, Directory.GetFiles(Path.Combine(destination, "data")).Length);
            Assert.Equal("file 7\n", File.ReadAllText(Path.Combine(destination, "data", "f7.txt")));
            var log = File.ReadAllText(Path.Combine(state, "log", "subscribe_good_01.log"));
            Assert.Contains("after_accept accepted:", log);
            Assert.Contains("after_work downloaded ok:", log);
        }
        finally
        {
            var stop = Process(config, state, "stop");
            Assert.True(stop.Code == 0 && stop.Out.Contains("daemon stopped", StringComparison.Ordinal), stop.Out + stop.Err);
        }

        Assert.False(File.Exists(Path.Combine(state, "sluice.pid")));
    }

    [Fact]
    public void Sluice_report_shows_the_source_the_201_reports_of_a_subscribe_with_report_on()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        var source = dir.File("source/data");
        Directory.CreateDirectory(Path.Combine(config, "subscribe"));
        Directory.CreateDirectory(source);
        var files = Enumerable.Range(0, 10).Select(i => Path.Combine(source, $"r{i}.txt")).ToList();
        foreach (var file in files)
        {
            File.WriteAllText(file, "reported " + file + "\n");
        }

        var id = Guid.NewGuid().ToString("N")[..6];
        File.WriteAllText(Path.Combine(config, "subscribe", "rep.conf"),
            $"broker {mosquitto.Url}\nexchange xcli{id}\nsubtopic #\ndirectory {dir.File("destination")}\nmirror on\nreport on\nreport_exchange xr_{id}\nmessageCountMax 10\naccept .*\n");

        // The source's report queue exists before the reports are published, and keeps them until read.
        var first = Process(config, state, "report", "--broker", mosquitto.Url, "--exchange", $"xr_{id}", "--timeout", "1");
        Assert.True(first.Code == 0, first.Out + first.Err);
        Assert.Contains("0 report(s)", first.Err);
        var declare = Process(config, state, "declare", "subscribe/rep");
        Assert.True(declare.Code == 0, declare.Out + declare.Err);
        var post = Process(config, state, ["post", "--post_broker", mosquitto.Url, "--post_exchange", $"xcli{id}", "--post_baseUrl", "file://" + dir.File("source") + "/", "--post_baseDir", dir.File("source"), .. files]);
        Assert.True(post.Code == 0, post.Out + post.Err);
        var subscribe = Process(config, state, "foreground", "subscribe/rep");
        Assert.True(subscribe.Code == 0, subscribe.Out + subscribe.Err);
        Assert.Equal(10, Directory.GetFiles(dir.File("destination/data")).Length);

        var report = Process(config, state, "report", "--broker", mosquitto.Url, "--exchange", $"xr_{id}", "--count", "10", "--timeout", "20");
        Assert.True(report.Code == 0, report.Out + report.Err);
        Assert.Contains("10 report(s)", report.Err);
        var rows = report.Out.Split('\n');
        foreach (var i in Enumerable.Range(0, 10))
        {
            var row = Assert.Single(rows, r => r.Contains($"data/r{i}.txt", StringComparison.Ordinal));
            Assert.Contains("201", row, StringComparison.Ordinal);
            Assert.Contains("Download successful", row, StringComparison.Ordinal);
            Assert.Contains("anonymous@" + Environment.MachineName, row, StringComparison.Ordinal);
        }

        // Read once: the queue is empty now.
        var again = Process(config, state, "report", "--broker", mosquitto.Url, "--exchange", $"xr_{id}", "--json", "--timeout", "1");
        Assert.Equal(string.Empty, again.Out.Trim());
    }

    [Fact]
    public void Show_json_prints_the_resolved_configuration_without_the_password()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("config/sarra"));
        File.WriteAllText(dir.File("config/sarra/x.conf"), "broker amqps://alice:hunter2@pump.example/\nexchange xs_alice\nsubtopic obs.#\nexpire 10m\ndirectory /srv/data\naccept .*\\.grib2\nreject .*\n");
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var (code, output, _) = Run(paths, "show", "sarra/x", "--json");
        Assert.Equal(0, code);
        Assert.DoesNotContain("hunter2", output);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("amqps://alice@pump.example/", (string?)json["broker"]);
        Assert.Equal(600, (double)json["expire"]!);
        Assert.True((bool)json["mirror"]!);
        Assert.Equal("[[\"xs_alice\",\"v03\",\"obs.#\"]]", json["bindings"]!.ToJsonString());
        Assert.Equal(".*\\.grib2", (string?)json["masks"]![0]!["accept"]);
        Assert.Equal("/srv/data", (string?)json["masks"]![0]!["directory"]);
        Assert.Equal(".*", (string?)json["masks"]![1]!["reject"]);

        Assert.Contains("sarra/x", Run(paths, "list").Out);
        Assert.Equal(0, Run(paths, "disable", "sarra/x").Code);
        Assert.Contains("sarra/x (disabled)", Run(paths, "list", "sarra").Out);
        Assert.Equal(0, Run(paths, "enable", "sarra/x").Code);
        Assert.Equal(1, Run(paths, "show", "nope/x").Code);
    }

    [Fact]
    public void After_kill_9_of_the_daemon_a_start_resumes_and_every_file_arrives_with_no_partial_file()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        var source = dir.File("source/burst");
        var destination = dir.File("destination");
        Directory.CreateDirectory(Path.Combine(config, "subscribe"));
        Directory.CreateDirectory(source);
        const int count = 400;
        var random = new Random(9);
        for (var i = 0; i < count; i++)
        {
            var bytes = new byte[random.Next(1, 200_000)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(source, $"f{i:D3}.bin"), bytes);
        }

        var exchange = "xkill" + Guid.NewGuid().ToString("N")[..6];
        File.WriteAllText(Path.Combine(config, "subscribe", "k.conf"), $"broker {mosquitto.Url}\nexchange {exchange}\nsubtopic #\ndirectory {destination}\nmirror on\nprefetch 20\nbatch 10\nmessageRateMax 100\n");
        try
        {
            Assert.Equal(0, Process(config, state, "start").Code);
            var post = Process(config, state, "post", "--post_broker", mosquitto.Url, "--post_exchange", exchange, "--post_baseUrl", "file://" + dir.File("source") + "/", "--post_baseDir", dir.File("source"), source);
            Assert.True(post.Code == 0, post.Err);

            // Kill the daemon in the middle of the stream, the way a crash would.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var target = Path.Combine(destination, "burst");
            while (DateTime.UtcNow < deadline && (!Directory.Exists(target) || Directory.GetFiles(target).Length < 20))
            {
                Thread.Sleep(20);
            }

            var pid = int.Parse(File.ReadAllText(Path.Combine(state, "sluice.pid")), System.Globalization.CultureInfo.InvariantCulture);
            using (var daemon = System.Diagnostics.Process.GetProcessById(pid))
            {
                daemon.Kill();
                daemon.WaitForExit(10_000);
            }

            var arrivedBeforeRestart = Directory.GetFiles(target).Count(f => !f.EndsWith(".tmp", StringComparison.Ordinal));
            Assert.True(arrivedBeforeRestart < count, "the kill came too late to prove anything");
            Assert.Equal(0, Process(config, state, "start").Code);
            deadline = DateTime.UtcNow.AddSeconds(90);
            while (DateTime.UtcNow < deadline && Directory.GetFiles(target).Count(f => !f.EndsWith(".tmp", StringComparison.Ordinal)) < count)
            {
                Thread.Sleep(100);
            }

            foreach (var file in Directory.GetFiles(source))
            {
                var copy = Path.Combine(target, Path.GetFileName(file));
                Assert.True(File.Exists(copy), $"{copy} never arrived");
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(copy));
            }

            Assert.Empty(Directory.GetFiles(target, "*.tmp"));
        }
        finally
        {
            Process(config, state, "stop");
        }
    }

    [Fact]
    public async Task Pump_serves_a_data_tree_and_an_mqtt_broker_with_its_users_permissions()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("data/obs"));
        File.WriteAllText(dir.File("data/obs/a.txt"), "observation\n");
        var mqttPort = Ports.Free();
        var httpPort = Ports.Free();
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { Sluice, "pump", "--mqtt", $"127.0.0.1:{mqttPort}", "--http", $"127.0.0.1:{httpPort}", "--data", dir.File("data"), "--user", "feeder:fpw:feeder", "--user", "alice:apw:source" })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["SLUICE_STATE_DIR"] = dir.File("state");
        using var pump = System.Diagnostics.Process.Start(info)!;
        pump.OutputDataReceived += (_, _) => { };
        pump.ErrorDataReceived += (_, _) => { };
        pump.BeginOutputReadLine();
        pump.BeginErrorReadLine();
        try
        {
            Assert.True(await Ports.WaitOpenAsync(httpPort, Patience.ServerStart) && await Ports.WaitOpenAsync(mqttPort, Patience.ServerStart), "the pump did not listen");
            using var http = new HttpClient();
            Assert.Equal("observation\n", await http.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/obs/a.txt")));

            await using var alice = global::Sluice.Daemon.Adapters.Create().Brokers.Create(global::Sluice.Core.Brokers.BrokerUrl.Parse($"mqtt://alice:apw@127.0.0.1:{mqttPort}"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            await using var publisher = await alice.CreatePublisherAsync(CancellationToken.None);
            var wire = global::Sluice.Core.Formats.V03Format.Instance.Encode(new global::Sluice.Core.Messages.NotificationMessage("20261124T112200.0", $"http://127.0.0.1:{httpPort}/", "obs/a.txt"), ["v03"]);
            await publisher.PublishAsync([new global::Sluice.Core.Brokers.OutgoingMessage("xs_alice", wire)], CancellationToken.None);
            await Assert.ThrowsAsync<global::Sluice.Core.Brokers.BrokerException>(async () => await publisher.PublishAsync([new global::Sluice.Core.Brokers.OutgoingMessage("xpublic", wire)], CancellationToken.None));
        }
        finally
        {
            pump.Kill();
            await pump.WaitForExitAsync();
        }
    }
}
