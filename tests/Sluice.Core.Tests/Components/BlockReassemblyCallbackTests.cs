using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Daemon.DataServer;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests.Components;

/// <summary>
/// sr3's <c>include block_reassembly.inc</c> (the file sr3 ships, unchanged): a subscribe configured with it takes a file
/// posted in blocks through a real Mosquitto and the Kestrel data server, and the download stage makes it whole.
/// </summary>
[Collection("Mosquitto")]
public class BlockReassemblyCallbackTests(MosquittoServer mosquitto)
{
    private const int FileSize = 8 << 20;
    private const int Blocks = 4; // 2 MiB blocks

    [Fact]
    public async Task A_subscribe_that_includes_sr3s_block_reassembly_inc_gets_a_file_posted_in_blocks_whole()
    {
        using var dir = new TempDirectory();
        var exchange = "xbra" + Guid.NewGuid().ToString("N")[..6];
        var served = dir.File("served");
        var file = Path.Combine(served, "obs", "radar.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var bytes = new byte[FileSize];
        new Random(14).NextBytes(bytes);
        await File.WriteAllBytesAsync(file, bytes);
        await using var server = new DataServer(new DataServerOptions { Root = served, Port = 0 });
        await server.StartAsync(CancellationToken.None);

        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        Directory.CreateDirectory(Path.Combine(paths.ConfigDirectory, "subscribe"));
        File.Copy(Path.Combine(Fixtures.Sr3Configs, "block_reassembly.inc"), Path.Combine(paths.ConfigDirectory, "block_reassembly.inc"));
        var destination = dir.File("dst");
        File.WriteAllText(paths.ConfigFile("subscribe", "blocks"),
            $"broker {mosquitto.Url}\nexchange {exchange}\nsubtopic #\ndirectory {destination}\nmirror on\nmessageCountMax {Blocks}\nbatch 2\ninclude block_reassembly.inc\n");
        var config = ConfigLoader.Load(paths, "subscribe", "blocks");
        Assert.Equal(["block_reassembly"], config.Callbacks);
        var settings = ConfigMapping.ToSettings(config, paths, CredentialStore.Empty, 1);
        await using var flow = await FlowBuilder.BuildAsync(settings with { Flow = settings.Flow with { ReceiveWait = TimeSpan.FromMilliseconds(100) } }, Sluice.Daemon.Adapters.Create(), NullLogger.Instance, null, CancellationToken.None);
        var running = flow.RunAsync(CancellationToken.None);

        var (code, output, error) = InProcessCli.Run(
            paths, ["post", "--post_broker", mosquitto.Url, "--post_exchange", exchange, "--post_baseUrl", server.BaseUrl, "--post_baseDir", served, "--blockSize", "2Mi", file]);
        Assert.True(code == 0, output + error);
        Assert.Contains($"{Blocks} message(s) posted", error, StringComparison.Ordinal);
        await running.WaitAsync(Patience.Stream);

        var arrived = Path.Combine(destination, "obs", "radar.bin");
        Assert.Equal(SHA512.HashData(bytes), SHA512.HashData(await File.ReadAllBytesAsync(arrived)));
        Assert.Equal(["radar.bin"], Directory.GetFiles(Path.GetDirectoryName(arrived)!).Select(Path.GetFileName));
        Assert.Equal(1, flow.Metrics.WorkOk); // the block that completed the file; the others waited (307)
        Assert.Equal(Blocks - 1, flow.Metrics.Rejected);
    }
}
