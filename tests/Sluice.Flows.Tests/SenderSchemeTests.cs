using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Core.Transfers;
using Sluice.Tests.Servers;
using Sluice.Transfers.Tests;

namespace Sluice.Flows.Tests;

/// <summary>post -> sender for each scheme a sender pushes with: file, and ftp to a real vsftpd.</summary>
[Collection("Mosquitto")]
public class SenderSchemeTests(MosquittoServer mosquitto, VsftpdFixture vsftpd) : IClassFixture<VsftpdFixture>
{
    [Fact]
    public async Task A_tree_is_sent_with_the_file_scheme_and_arrives_identical()
    {
        using var work = new TempDirectory();
        var remote = work.File("remote");
        Directory.CreateDirectory(remote);
        await SendTreeAsync(work, new SendOptions { SendTo = "file://" + remote, Directory = "sent", Mirror = true });
        Assert.Equal(Pump.Checksums(work.File("source")), Pump.Checksums(Path.Combine(remote, "sent")));
        Assert.Empty(Directory.EnumerateFiles(remote, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_tree_is_sent_over_ftp_with_a_dot_inflight_prefix_and_arrives_identical()
    {
        using var work = new TempDirectory();
        var directory = "sent_" + Guid.NewGuid().ToString("N")[..8];
        await SendTreeAsync(work, new SendOptions { SendTo = vsftpd.Url(vsftpd.PlainPort), Directory = directory, Mirror = true, Inflight = "." });
        var arrived = Path.Combine(vsftpd.Home, directory);
        Assert.Equal(Pump.Checksums(work.File("source")), Pump.Checksums(arrived));
        Assert.Empty(Directory.EnumerateFiles(arrived, ".*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task An_unknown_sendTo_scheme_stops_the_flow_at_start_with_a_clear_error()
    {
        using var work = new TempDirectory();
        var ex = await Assert.ThrowsAsync<TransferException>(() => FlowFactory.CreateAsync(
            Pump.Settings("sender", mosquitto.Url, "xs_none", "q_none", 1, work.File("state")) with { Send = new SendOptions { SendTo = "gopher://127.0.0.1:7/" } },
            NullLogger.Instance, null, CancellationToken.None));
        Assert.Contains("gopher", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Posts a tree of local files (file: baseUrl) and runs a sender on them until every message is handled.</summary>
    private async Task SendTreeAsync(TempDirectory work, SendOptions send)
    {
        Pump.EnsureRegistered();
        Sluice.Daemon.Adapters.RegisterAll();
        var source = work.File("source");
        var files = Pump.MakeTree(source, 2, 3, 10, seed: 5);
        var messages = files + 2 + 6;
        var exchange = "xsend" + Guid.NewGuid().ToString("N")[..6];
        var sender = await FlowFactory.CreateAsync(
            Pump.Settings("sender", mosquitto.Url, exchange, "q_send_" + exchange, messages, work.File("state")) with { Send = send },
            NullLogger.Instance, null, CancellationToken.None);
        await using (sender)
        {
            using var timeout = new CancellationTokenSource(Patience.Stream);
            var sending = sender.RunAsync(timeout.Token);
            Assert.Equal(messages, await Pump.PostAsync(mosquitto.Url, exchange, source, "file:" + source + "/"));
            await sending;
            Assert.False(timeout.IsCancellationRequested, "timed out");
            Assert.Equal(messages, sender.Metrics.WorkOk);
            Assert.Equal(0, sender.Metrics.Rejected + sender.Metrics.RetryQueued);
        }
    }
}
