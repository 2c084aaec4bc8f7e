using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests;

/// <summary><c>sluice status</c> and <c>sluice sanity</c> on a real daemon process, against a real Mosquitto.</summary>
[Collection("Mosquitto")]
public class StatusCommandTests(MosquittoServer mosquitto)
{
    private static JsonNode Flow(string config, string state, string name)
    {
        var status = JsonNode.Parse(CliFlowTests.Process(config, state, "status", "--json").Out)!;
        return status["flows"]!.AsArray().Single(f => (string?)f!["name"] == name)!;
    }

    private static void WaitFor(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            Thread.Sleep(200);
        }
    }

    [Fact]
    public void A_download_from_a_server_that_never_answers_shows_as_hung_and_sanity_restarts_that_flow_only()
    {
        using var dir = new TempDirectory();
        var config = dir.File("config");
        var state = dir.File("state");
        Directory.CreateDirectory(Path.Combine(config, "subscribe"));
        Directory.CreateDirectory(dir.File("source/obs"));
        File.WriteAllText(dir.File("source/obs/a.txt"), "observation\n");

        // A web server that accepts connections and never says a word: the download waits on it (timeout 300 s).
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var connections = new ConcurrentBag<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                connections.Add(await silent.AcceptSocketAsync());
            }
        });
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var exchange = "xhung" + Guid.NewGuid().ToString("N")[..6];
        File.WriteAllText(Path.Combine(config, "subscribe", "hang.conf"), $"broker {mosquitto.Url}\nexchange {exchange}\nsubtopic #\ndirectory {dir.File("dest")}\ntimeout 300\nrunStateThreshold_hung 2\n");
        File.WriteAllText(Path.Combine(config, "subscribe", "calm.conf"), $"broker {mosquitto.Url}\nexchange {exchange}calm\nsubtopic #\ndirectory {dir.File("calm")}\nrunStateThreshold_hung 2\nrunStateThreshold_idle 1\n");
        File.WriteAllText(Path.Combine(config, "subscribe", "off.conf.off"), $"broker {mosquitto.Url}\nexchange {exchange}\n");
        try
        {
            Assert.Equal(0, CliFlowTests.Process(config, state, "start").Code);
            var post = CliFlowTests.Process(config, state, "post", "--post_broker", mosquitto.Url, "--post_exchange", exchange, "--post_baseUrl", $"http://127.0.0.1:{port}/", "--post_baseDir", dir.File("source"), dir.File("source/obs/a.txt"));
            Assert.True(post.Code == 0, post.Err);

            WaitFor(() => (string?)Flow(config, state, "subscribe/hang")["state"] == "hung", "subscribe/hang to show as hung");
            var hung = Flow(config, state, "subscribe/hang");
            Assert.Equal(1, (long)hung["inFlight"]!);
            Assert.Equal(1, (long)hung["received"]!);
            Assert.Equal("idle", (string?)Flow(config, state, "subscribe/calm")["state"]);
            Assert.Equal("disabled", (string?)Flow(config, state, "subscribe/off")["state"]);
            var table = CliFlowTests.Process(config, state, "status").Out;
            Assert.Matches(@"subscribe/hang\W+hung\W+1/1", table);

            var sanity = CliFlowTests.Process(config, state, "sanity");
            Assert.True(sanity.Code == 0, sanity.Out + sanity.Err);
            Assert.Contains("sanity: restarted subscribe/hang (hung)", sanity.Out);
            Assert.DoesNotContain("subscribe/calm", sanity.Out);

            // The stuck download was cut short and the message, never acknowledged, comes again: a second connection.
            WaitFor(() => connections.Count >= 2, "the message to be delivered again to the restarted flow");
            Assert.Contains("sanity: restarting subscribe/hang (hung)", File.ReadAllText(Path.Combine(state, "log", "sluice_daemon.log")));
        }
        finally
        {
            // Hang up first, so the stop does not wait for the stuck download.
            silent.Stop();
            foreach (var socket in connections)
            {
                socket.Dispose();
            }

            CliFlowTests.Process(config, state, "stop");
        }
    }
}
