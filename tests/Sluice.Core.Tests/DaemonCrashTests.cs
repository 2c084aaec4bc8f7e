using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

/// <summary>
/// restart_daemon: the daemon as a real process, killed with -9 and started again at once, with a watch feeding a
/// subscriber through a real RabbitMQ that is restarted meanwhile. Nothing may be lost. The RabbitMQ is this class's own
/// (it restarts it, for minutes): the classes of the shared one run meanwhile.
/// </summary>
public class DaemonCrashTests(RabbitMqServer rabbit) : IClassFixture<RabbitMqServer>
{
    private static int DaemonPid(string config, string state)
    {
        var status = JsonNode.Parse(CliFlowTests.Process(config, state, "status", "--json").Out)!;
        return (int?)status["pid"] ?? throw new InvalidOperationException("no daemon answers: " + status.ToJsonString());
    }

    private static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill(); // SIGKILL: no cleanup of any kind
    }

    /// <summary>Starts the daemon and checks that it says so at once.</summary>
    private static void Start(string config, string state, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = CliFlowTests.Process(config, state, environment ?? new Dictionary<string, string>(), "start");
        Assert.True(start.Code == 0 && start.Out.Contains("daemon started", StringComparison.Ordinal), $"sluice start: {start.Code} {start.Out}{start.Err}");
    }

    [Fact]
    public void Start_right_after_a_crash_starts_a_daemon_whatever_the_dead_one_left_behind()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        var environment = new Dictionary<string, string> { ["SLUICE_DEFAULT_PUMP"] = $"127.0.0.1:{Ports.Free()}" };
        Directory.CreateDirectory(config);
        try
        {
            Start(config, state, environment);
            var first = DaemonPid(config, state);
            Kill(first);

            // At once: the killed process may still be being torn down, its pid file and socket are still there.
            Start(config, state, environment);
            var second = DaemonPid(config, state);
            Assert.NotEqual(first, second);
            Kill(second);

            // A pid file naming a live process that is no daemon (the pid was reused), and a socket file nobody serves.
            using (var waitGone = Process.GetProcessById(second))
            {
                waitGone.WaitForExit();
            }

            File.WriteAllText(Path.Combine(state, "sluice.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Delete(Path.Combine(state, "sluice.sock"));
            File.WriteAllText(Path.Combine(state, "sluice.sock"), string.Empty);
            Start(config, state, environment);
            Assert.NotEqual(Environment.ProcessId, DaemonPid(config, state));

            // And a second start beside a live daemon does not start another one.
            var again = CliFlowTests.Process(config, state, environment, "start");
            Assert.True(again.Code == 0 && again.Out.Contains("daemon running", StringComparison.Ordinal), again.Out + again.Err);
        }
        finally
        {
            CliFlowTests.Process(config, state, environment, "stop");
        }
    }

    [Fact]
    public async Task A_watch_feeding_a_subscriber_loses_nothing_when_the_daemon_is_killed_and_the_broker_restarted()
    {
        const int batches = 16, perBatch = 100;
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        var source = dir.File("source");
        var destination = dir.File("destination");
        var exchange = "xs_crash" + Guid.NewGuid().ToString("N")[..6];
        Directory.CreateDirectory(Path.Combine(config, "watch"));
        Directory.CreateDirectory(Path.Combine(config, "subscribe"));
        Directory.CreateDirectory(Path.Combine(source, "in"));
        File.WriteAllText(Path.Combine(config, "watch", "src.conf"),
            $"post_broker {rabbit.Url}\npost_exchange {exchange}\npost_baseUrl file://{source}/\npost_baseDir {source}\npath {source}/in\n");
        File.WriteAllText(Path.Combine(config, "subscribe", "dst.conf"),
            $"broker {rabbit.Url}\nexchange {exchange}\nsubtopic #\ndirectory {destination}\nmirror on\naccept .*\n");

        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        var random = new Random(13);
        void WriteBatch(int batch, int from, int to)
        {
            var directory = Path.Combine(source, "in", $"b{batch:D2}");
            Directory.CreateDirectory(directory);
            for (var i = from; i < to; i++)
            {
                // As writers do: under a temporary name, then renamed into place.
                var bytes = new byte[random.Next(0, 48 * 1024)];
                random.NextBytes(bytes);
                var temp = Path.Combine(directory, $".f{i:D3}.tmp");
                File.WriteAllBytes(temp, bytes);
                File.Move(temp, Path.Combine(directory, $"f{i:D3}"));
                expected[$"in/b{batch:D2}/f{i:D3}"] = Convert.ToHexString(SHA256.HashData(bytes));
            }
        }

        try
        {
            var declare = CliFlowTests.Process(config, state, "declare");
            Assert.True(declare.Code == 0, declare.Out + declare.Err);
            Start(config, state);
            CliPumpTests.WaitRunning(config, state, new Dictionary<string, string>(), "watch/src", "subscribe/dst");
            for (var batch = 0; batch < batches; batch++)
            {
                if (batch % 5 == 2)
                {
                    // Killed mid-batch, while files are being written, announced and downloaded; started again at once.
                    WriteBatch(batch, 0, perBatch / 2);
                    Kill(DaemonPid(config, state));
                    WriteBatch(batch, perBatch / 2, perBatch);
                    Start(config, state);
                }
                else
                {
                    WriteBatch(batch, 0, perBatch);
                }

                if (batch % 5 == 4)
                {
                    await rabbit.RestartAsync();
                }
            }

            var deadline = DateTime.UtcNow + Patience.Stream;
            Dictionary<string, string> arrived;
            while ((arrived = Arrived(destination)).Count < expected.Count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }

            var missing = expected.Keys.Except(arrived.Keys).Order(StringComparer.Ordinal).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {expected.Count} files never arrived, e.g. {string.Join(", ", missing.Take(10))}");
            var different = expected.Where(e => arrived[e.Key] != e.Value).Select(e => e.Key).ToList();
            Assert.True(different.Count == 0, $"{different.Count} files differ from their source (partial?), e.g. {string.Join(", ", different.Take(10))}");
            Assert.Empty(arrived.Keys.Except(expected.Keys));
        }
        finally
        {
            CliFlowTests.Process(config, state, "stop");
        }
    }

    /// <summary>The files under their final names in the destination, with their sha256 (inflight names left out).</summary>
    private static Dictionary<string, string> Arrived(string destination)
    {
        var arrived = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(destination))
        {
            return arrived;
        }

        foreach (var file in Directory.EnumerateFiles(destination, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".tmp", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                arrived[Path.GetRelativePath(destination, file)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
            }
            catch (FileNotFoundException)
            {
                // Renamed into place (or replaced) while it was read: the next look sees it.
            }
        }

        return arrived;
    }
}
