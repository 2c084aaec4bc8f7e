using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Transfers;
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
        Adapters.RegisterAll();
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
        var url = BrokerUrl.Parse(broker.Url("demo", password));
        console.WriteLine($"pump: embedded MQTT broker on 127.0.0.1:{port}, source served at {sourceServer.BaseUrl}, pump tree at {pumpServer.BaseUrl}");
        console.WriteLine($"directories: {root}");

        Settings Flow(string component, string exchange, DownloadOptions download, string? postExchange) => new(component, exchange, download, postExchange);
        FlowSettings Build(Settings s) => new()
        {
            Component = s.Component,
            Flow = new FlowOptions { Name = $"{s.Component}/demo", StateDirectory = Path.Combine(state, s.Component), Concurrency = 8, ReceiveWait = TimeSpan.FromMilliseconds(100) },
            Broker = url,
            Subscription = new SubscriptionOptions { Bindings = [new Binding(s.Exchange, ["v03"], "#")], QueueName = $"q_demo.{s.Component}.demo", Prefetch = 100 },
            Download = s.Download,
            PostBroker = s.PostExchange is null ? null : url,
            PostExchanges = s.PostExchange is null ? [] : [s.PostExchange],
        };

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sarra = await FlowFactory.CreateAsync(Build(Flow("sarra", "xs_demo", new DownloadOptions { Directory = pumpTree, Mirror = true, PostBaseUrl = pumpServer.BaseUrl, PostBaseDir = pumpTree }, "xpublic")), NullLogger.Instance, null, ct).ConfigureAwait(false);
        var subscribe = await FlowFactory.CreateAsync(Build(Flow("subscribe", "xpublic", new DownloadOptions { Directory = destination, Mirror = true }, null)), NullLogger.Instance, null, ct).ConfigureAwait(false);
        var watchInput = new WatchInput(new WatchOptions
        {
            Paths = [source],
            Announce = new AnnounceOptions { PostBaseUrl = sourceServer.BaseUrl, PostBaseDir = source, Source = "demo", FromCluster = "localhost" },
        }, NullLogger.Instance);
        var watchBroker = BrokerRegistry.Create(url, NullLogger.Instance);
        var watchOutput = new BrokerOutput(await watchBroker.CreatePublisherAsync(ct).ConfigureAwait(false), V03Format.Instance, ["xs_demo"], ["v03"]);
        var watch = new Flow(new FlowOptions { Name = "watch/demo", StateDirectory = Path.Combine(state, "watch"), ReceiveWait = TimeSpan.FromMilliseconds(100) }, watchInput, null, watchOutput, NullLogger.Instance);
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
        await watch.DisposeAsync().ConfigureAwait(false);
        await watchInput.DisposeAsync().ConfigureAwait(false);
        await watchOutput.DisposeAsync().ConfigureAwait(false);
        await watchBroker.DisposeAsync().ConfigureAwait(false);
        await sarra.DisposeAsync().ConfigureAwait(false);
        await subscribe.DisposeAsync().ConfigureAwait(false);
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

    private sealed record Settings(string Component, string Exchange, DownloadOptions Download, string? PostExchange);

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
