using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Daemon;
using Sluice.Daemon.DataServer;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice demo</c>: a whole pump on this machine with nothing installed. The embedded MQTT broker, http data
/// servers, a watch on a source directory, a sarra into the pump's tree and a subscriber into a destination; files
/// of varied sizes are dropped into the source, shown flowing, and the destination is checked to be identical.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var files = new Option<int>("--files") { Description = "How many files to drop into the source.", DefaultValueFactory = _ => 300 };
        var keep = new Option<string?>("--keep") { Description = "Keep the demo's directories here instead of a temporary directory." };
        var command = new Command("demo", "Run a whole pump on this machine (embedded broker, watch, sarra, subscribe) and check that files arrive intact.") { files, keep };
        command.SetAction(async (r, ct) => await RunAsync(context, r.GetValue(files), r.GetValue(keep), ct).ConfigureAwait(false));
        return command;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<int> RunAsync(CliContext context, int count, string? keep, CancellationToken ct)
    {
        var root = keep ?? Path.Combine(Path.GetTempPath(), "sluice-demo-" + Guid.NewGuid().ToString("N")[..8]);
        var source = Path.Combine(root, "source");
        var pumpTree = Path.Combine(root, "pump");
        var destination = Path.Combine(root, "destination");
        var state = Path.Combine(root, "state");
        foreach (var dir in new[] { source, pumpTree, destination, state })
        {
            Directory.CreateDirectory(dir);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Out) });
        if (Console.IsOutputRedirected || context.Out != Console.Out)
        {
            console.Profile.Width = 160;
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var port = FreePort();
        await using var broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Port = port, Users = [new PumpUser("demo", password, "feeder")], StateDirectory = Path.Combine(state, "broker") }, NullLogger.Instance);
        await broker.StartAsync().ConfigureAwait(false);
        await using var sourceServer = new DataServer(new DataServerOptions { Root = source, Port = 0 });
        await sourceServer.StartAsync(ct).ConfigureAwait(false);
        await using var pumpServer = new DataServer(new DataServerOptions { Root = pumpTree, Port = 0 });
        await pumpServer.StartAsync(ct).ConfigureAwait(false);
        console.WriteLine($"pump: embedded MQTT broker on 127.0.0.1:{port}, source served at {sourceServer.BaseUrl}, pump tree at {pumpServer.BaseUrl}");
        console.WriteLine($"directories: {root}");

        // The three flows are sr3 configurations, built the way the daemon builds them.
        var paths = new SluicePaths(Path.Combine(root, "config"), state);
        var brokerUrl = $"mqtt://demo@127.0.0.1:{port}/";
        WriteConfig(paths, "credentials.conf", $"mqtt://demo:{password}@127.0.0.1:{port}/\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(paths.CredentialsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        WriteConfig(paths, "watch/demo.conf", $"""
            post_broker {brokerUrl}
            post_exchange xs_demo
            post_baseUrl {sourceServer.BaseUrl}
            post_baseDir {source}
            path {source}
            """);
        WriteConfig(paths, "sarra/demo.conf", $"""
            broker {brokerUrl}
            exchange xs_demo
            queueName q_demo.sarra.demo
            prefetch 100
            subtopic #
            directory {pumpTree}
            mirror on
            post_broker {brokerUrl}
            post_exchange xpublic
            post_baseUrl {pumpServer.BaseUrl}
            post_baseDir {pumpTree}
            """);
        WriteConfig(paths, "subscribe/demo.conf", $"""
            broker {brokerUrl}
            exchange xpublic
            queueName q_demo.subscribe.demo
            prefetch 100
            subtopic #
            directory {destination}
            mirror on
            """);
        var builder = new FlowBuilder(paths, CredentialStore.Load(paths.CredentialsFile), Adapters.Create());
        Task<Flow> Build(string component) => builder.BuildAsync(ConfigLoader.Load(paths, component, "demo"), 1, NullLogger.Instance, ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sarra = await Build("sarra").ConfigureAwait(false);
        var subscribe = await Build("subscribe").ConfigureAwait(false);
        var watch = await Build("watch").ConfigureAwait(false);
        var running = new[] { watch.RunAsync(stop.Token), sarra.RunAsync(stop.Token), subscribe.RunAsync(stop.Token) };

        var expected = DropFiles(source, count);
        long totalBytes = expected.Values.Sum(v => v.Size);
        console.WriteLine($"dropped {count} files ({totalBytes / (1024.0 * 1024):F1} MiB) into {source}");

        var started = DateTime.UtcNow;
        var deadline = started + TimeSpan.FromSeconds(Math.Max(120, count / 5.0));
        var identical = false;
        while (DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
        {
            var arrived = Directory.Exists(destination) ? Directory.EnumerateFiles(destination, "*", SearchOption.AllDirectories).Count(f => !f.EndsWith(".tmp", StringComparison.Ordinal)) : 0;
            console.WriteLine($"  {(DateTime.UtcNow - started).TotalSeconds,5:F1}s  watch posted {watch.Metrics.Posted,4}  sarra downloaded {sarra.Metrics.WorkOk,4}  subscribe downloaded {subscribe.Metrics.WorkOk,4}  files arrived {arrived,4}/{count}");
            if (arrived >= count && Same(expected, destination))
            {
                identical = true;
                break;
            }

            await Task.Delay(1000, ct).ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);
        var table = new Table().AddColumns("flow", "received", "accepted", "downloaded", "posted", "rejected", "failed", "retry queue", "MiB");
        foreach (var (name, flow) in new[] { ("watch/demo", watch), ("sarra/demo", sarra), ("subscribe/demo", subscribe) })
        {
            var m = flow.Metrics;
            table.AddRow(name, $"{m.Received}", $"{m.Accepted}", $"{m.WorkOk}", $"{m.Posted}", $"{m.Rejected}", $"{m.WorkFailed}", $"{m.RetryQueued}", $"{m.Bytes / (1024.0 * 1024):F1}");
        }

        console.Write(table);
        foreach (var flow in new[] { watch, sarra, subscribe })
        {
            await flow.DisposeAsync().ConfigureAwait(false);
        }

        if (keep is null)
        {
            Directory.Delete(root, recursive: true);
        }

        if (identical)
        {
            console.WriteLine($"OK: all {count} files arrived in the destination, identical to the source (sha512 of each), in {(DateTime.UtcNow - started).TotalSeconds:F1}s");
            return 0;
        }

        await context.Error.WriteLineAsync($"sluice demo: the destination does not match the source after {(DateTime.UtcNow - started).TotalSeconds:F0}s").ConfigureAwait(false);
        return 1;
    }

    private static void WriteConfig(SluicePaths paths, string relative, string text)
    {
        var path = Path.Combine(paths.ConfigDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text + "\n");
    }

    /// <summary>Writes files of varied sizes in nested directories (each under a temporary name, then renamed, as a careful producer does).</summary>
    private static Dictionary<string, (long Size, string Sum)> DropFiles(string source, int count)
    {
        var random = new Random(20261124);
        var files = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var size = (i % 10) switch { 0 => 0, < 6 => random.Next(1, 4096), < 9 => random.Next(4096, 256 * 1024), _ => random.Next(256 * 1024, 4 * 1024 * 1024) };
            var relative = Path.Combine($"obs{i % 7}", $"station{i % 13:D2}", $"report-{i:D4}.bin");
            var path = Path.Combine(source, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[size];
            random.NextBytes(bytes);
            File.WriteAllBytes(path + ".tmp", bytes);
            File.Move(path + ".tmp", path);
            files[relative] = (size, Convert.ToHexString(SHA512.HashData(bytes)));
        }

        return files;
    }

    private static bool Same(Dictionary<string, (long Size, string Sum)> expected, string destination)
    {
        foreach (var (relative, (size, sum)) in expected)
        {
            var path = Path.Combine(destination, relative);
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != size || Convert.ToHexString(SHA512.HashData(File.ReadAllBytes(path))) != sum)
            {
                return false;
            }
        }

        return true;
    }
}
