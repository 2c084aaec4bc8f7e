using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Brokers;
using Sluice.Core.Messages;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

/// <summary>
/// Two polls of the same tree with the same <c>vip</c>, each in a network namespace of its own that this test creates
/// (joined to the embedded broker by a bridge and veth pairs): only the one whose namespace holds the address
/// announces, the other shows <c>wVip</c>; when the address moves, the other takes over.
/// </summary>
public sealed class PollVipTests
{
    private static string Sluice => Path.Combine(AppContext.BaseDirectory, "sluice.dll");

    [Fact]
    public async Task Only_the_poll_holding_the_vip_announces_and_the_other_takes_over_when_the_address_moves()
    {
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip"))
        {
            throw new InvalidOperationException("ip (iproute2) is missing: run scripts/install-servers, or apt-get install iproute2");
        }

        using var dir = new TempDirectory();
        var id = Guid.NewGuid().ToString("N")[..5];
        var random = new Random();
        var routes = IpRun(["-4", "route", "show", "table", "all"]).Output;
        string subnet;
        do
        {
            subnet = $"10.{random.Next(200, 250)}.{random.Next(1, 254)}";
        }
        while (routes.Contains(subnet + ".", StringComparison.Ordinal));

        var vip = $"192.0.2.{random.Next(1, 254)}";
        var bridge = "slb" + id;
        string[] namespaces = ["slva" + id, "slvb" + id];
        var source = dir.File("source");
        Directory.CreateDirectory(source);
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllText(Path.Combine(source, $"early{i}.txt"), $"file {i}\n");
        }

        Process? foreground = null;
        var foregroundLog = new StringBuilder();
        try
        {
            // A bridge in this namespace for the broker, and a namespace per poll joined to it by a veth pair.
            Ip("link", "add", bridge, "type", "bridge");
            Ip("addr", "add", subnet + ".1/24", "dev", bridge);
            Ip("link", "set", bridge, "up");
            for (var n = 0; n < 2; n++)
            {
                var ns = namespaces[n];
                Ip("netns", "add", ns);
                Ip("link", "add", $"sl{id}{n}h", "type", "veth", "peer", "name", $"sl{id}{n}n");
                Ip("link", "set", $"sl{id}{n}n", "netns", ns);
                Ip("link", "set", $"sl{id}{n}h", "master", bridge);
                Ip("link", "set", $"sl{id}{n}h", "up");
                Ip("netns", "exec", ns, "ip", "addr", "add", $"{subnet}.{n + 2}/24", "dev", $"sl{id}{n}n");
                Ip("netns", "exec", ns, "ip", "link", "set", $"sl{id}{n}n", "up");
                Ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
            }

            Ip("netns", "exec", namespaces[0], "ip", "addr", "add", vip + "/32", "dev", "lo");

            var port = Ports.Free();
            await using var broker = new EmbeddedMqttBroker(new EmbeddedBrokerOptions { Address = IPAddress.Parse(subnet + ".1"), Port = port, Users = [new("feeder", "secret", "feeder")] }, NullLogger.Instance);
            await broker.StartAsync();
            var brokerUrl = broker.Url("feeder", "secret");
            await using var client = global::Sluice.Daemon.Adapters.Create().Brokers.Create(BrokerUrl.Parse(brokerUrl), NullLogger.Instance);
            await using var consumer = new BrokerInput(
                await client.SubscribeAsync(new SubscriptionOptions { Bindings = [new Binding("xs_vip", ["v03"], "#")], QueueName = "q_feeder.poll.vip." + id }, CancellationToken.None),
                NullLogger.Instance);

            string[] nodes = ["a", "b"];
            foreach (var node in nodes)
            {
                Directory.CreateDirectory(dir.File($"{node}/config/poll"));
                File.WriteAllText(dir.File($"{node}/config/poll/vip.conf"), $"""
                    post_broker {brokerUrl}
                    post_exchange xs_vip
                    pollUrl file://{source}/
                    sleep 1
                    vip {vip}
                    source node{node}
                    """);
            }

            // Node a runs the poll in the foreground, node b in its daemon (whose status shows the vip state).
            foreground = Start(namespaces[0], "a", dir, foregroundLog, "foreground", "poll/vip");
            var started = Run(namespaces[1], "b", dir, "start");
            Assert.True(started.Code == 0, started.Out + started.Err);

            var seen = new List<NotificationMessage>();
            await ReceiveAsync(consumer, seen, m => m.Source == "nodea" && m.RelPath.StartsWith("early", StringComparison.Ordinal), 5);
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"early{i}.txt"), seen.Select(m => m.RelPath).Order(StringComparer.Ordinal));
            await Patience.UntilAsync(() => Status(dir, "b") == "wVip", "node b to show wVip", Patience.Stream, TimeSpan.FromMilliseconds(250));

            // Node b polls too (every second) but announces nothing while a holds the address.
            await Task.Delay(TimeSpan.FromSeconds(3));
            seen.AddRange((await consumer.ReceiveAsync(100, TimeSpan.FromSeconds(1), CancellationToken.None)).Select(m => m.Message));
            Assert.DoesNotContain(seen, m => m.Source == "nodeb");
            Assert.Equal(5, seen.Count);

            // The address moves from a to b: b takes over and announces what appears next; a stops announcing.
            Ip("netns", "exec", namespaces[0], "ip", "addr", "del", vip + "/32", "dev", "lo");
            Ip("netns", "exec", namespaces[1], "ip", "addr", "add", vip + "/32", "dev", "lo");
            await Patience.UntilAsync(
                () => foregroundLog.ToString().Contains("waiting (wVip)", StringComparison.Ordinal) && Status(dir, "b") == "running",
                "node a to wait for the vip and node b to run", Patience.Stream, TimeSpan.FromMilliseconds(250));
            File.WriteAllText(Path.Combine(source, "late0.txt"), "late 0\n");
            File.WriteAllText(Path.Combine(source, "late1.txt"), "late 1\n");
            await ReceiveAsync(consumer, seen, m => m.RelPath.StartsWith("late", StringComparison.Ordinal), 2);
            await Task.Delay(TimeSpan.FromSeconds(2));
            seen.AddRange((await consumer.ReceiveAsync(100, TimeSpan.FromSeconds(1), CancellationToken.None)).Select(m => m.Message));
            var late = seen.Where(m => m.RelPath.StartsWith("late", StringComparison.Ordinal)).ToList();
            Assert.Equal(["late0.txt", "late1.txt"], late.Select(m => m.RelPath).Order(StringComparer.Ordinal));
            Assert.All(late, m => Assert.Equal("nodeb", m.Source));
            Assert.Equal(5, seen.Count(m => m.Source == "nodea"));
            Assert.Contains("poll: vip " + vip + " is not here; waiting (wVip)", foregroundLog.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (foreground is not null)
            {
                if (!foreground.HasExited)
                {
                    foreground.Kill();
                }

                await foreground.WaitForExitAsync();
                foreground.Dispose();
            }

            if (File.Exists(dir.File("b/state/sluice.pid")))
            {
                Run(namespaces[1], "b", dir, "stop");
            }

            foreach (var ns in namespaces)
            {
                TryIp("netns", "del", ns);
            }

            TryIp("link", "del", bridge);
        }
    }

    private static void Ip(params string[] args)
    {
        var (code, output) = IpRun(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {output} — this test needs root and network namespaces (ip netns)");
        }
    }

    private static void TryIp(params string[] args) => _ = IpRun(args);

    private static (int Code, string Output) IpRun(string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    private static ProcessStartInfo InNamespace(string ns, string node, TempDirectory dir, string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["netns", "exec", ns, "dotnet", Sluice, .. args])
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["SLUICE_CONFIG_DIR"] = dir.File($"{node}/config");
        info.Environment["SLUICE_STATE_DIR"] = dir.File($"{node}/state");
        return info;
    }

    private static Process Start(string ns, string node, TempDirectory dir, StringBuilder log, params string[] args)
    {
        var p = Process.Start(InNamespace(ns, node, dir, args))!;
        p.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        return p;
    }

    private static (int Code, string Out, string Err) Run(string ns, string node, TempDirectory dir, params string[] args)
    {
        using var p = Process.Start(InNamespace(ns, node, dir, args))!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, error);
    }

    /// <summary>The state <c>sluice status</c> shows for node <paramref name="node"/>'s poll (its control socket is a file: any namespace reaches it).</summary>
    private static string? Status(TempDirectory dir, string node)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Sluice);
        info.ArgumentList.Add("status");
        info.ArgumentList.Add("--json");
        info.Environment["SLUICE_CONFIG_DIR"] = dir.File($"{node}/config");
        info.Environment["SLUICE_STATE_DIR"] = dir.File($"{node}/state");
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        try
        {
            return JsonNode.Parse(output)?["flows"]?.AsArray().FirstOrDefault(f => (string?)f!["name"] == "poll/vip")?["state"]?.GetValue<string>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static async Task ReceiveAsync(BrokerInput consumer, List<NotificationMessage> seen, Func<NotificationMessage, bool> match, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (seen.Count(match) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {seen.Count(match)} of {count} messages: {string.Join(", ", seen.Select(m => m.Source + ":" + m.RelPath))}");
            var batch = await consumer.ReceiveAsync(100, TimeSpan.FromSeconds(1), CancellationToken.None);
            seen.AddRange(batch.Select(b => b.Message));
        }
    }
}
