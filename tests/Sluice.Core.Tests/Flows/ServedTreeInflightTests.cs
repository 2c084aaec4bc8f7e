using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Core.Work;
using Sluice.Daemon.DataServer;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests.Flows;

/// <summary>A sarra writes into the tree the pump's data server serves: a reader of that tree never sees a partial file.</summary>
public class ServedTreeInflightTests
{
    [Fact]
    public async Task A_reader_of_the_pumps_data_server_never_sees_a_file_a_sarra_is_still_writing()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("upstream/obs"));
        Directory.CreateDirectory(dir.File("pump"));
        var bytes = RandomNumberGenerator.GetBytes(1 << 20);
        File.WriteAllBytes(dir.File("upstream/obs/big.bin"), bytes);
        await using var upstream = new DataServer(new DataServerOptions { Root = dir.File("upstream"), Port = 0 });
        await upstream.StartAsync(CancellationToken.None);
        await using var pump = new DataServer(new DataServerOptions { Root = dir.File("pump"), Port = 0 });
        await pump.StartAsync(CancellationToken.None);

        // A sarra as configured on a pump: it posts, so sr3 would write without an inflight name.
        var config = ConfigLoader.LoadText("sarra", "pump", $"broker amqp://feeder@127.0.0.1:1/\nexchange xs_alice\npost_broker amqp://feeder@127.0.0.1:1/\npost_exchange xpublic\npost_baseUrl {pump.BaseUrl}\npost_baseDir {dir.File("pump")}\ndirectory {dir.File("pump")}\nbyteRateMax 256k\nbufSize 32k\n");
        var settings = ConfigMapping.ToSettings(config, new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, 1);
        Assert.Equal(".tmp", settings.Download!.Inflight);

        // The flow's clock moves only when the reader has looked, so the reader looks many times mid-download.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var work = new DownloadWork(settings.Download, time);
        var message = new NotificationMessage(SrTime.Format(DateTimeOffset.UtcNow), upstream.BaseUrl, "obs/big.bin") { Size = bytes.Length, Identity = new Identity("sha512", Convert.ToBase64String(SHA512.HashData(bytes))) };
        var item = new FlowMessage(message);
        Assert.True(settings.Filter!(item).Accepted);
        var download = work.DoAsync(item, CancellationToken.None).AsTask();

        using var reader = new HttpClient { BaseAddress = new Uri(pump.BaseUrl) };
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        var inflightLooks = 0;
        while (!download.IsCompleted && !timeout.IsCancellationRequested)
        {
            var writing = File.Exists(dir.File("pump/obs/big.bin.tmp"));
            var index = await reader.GetAsync("obs/", timeout.Token);
            if (index.IsSuccessStatusCode)
            {
                var html = await index.Content.ReadAsStringAsync(timeout.Token);
                Assert.DoesNotContain(".tmp", html, StringComparison.Ordinal);
            }

            Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync("obs/big.bin.tmp", timeout.Token)).StatusCode);
            using var final = await reader.GetAsync("obs/big.bin", timeout.Token);
            if (final.IsSuccessStatusCode)
            {
                Assert.Equal(bytes, await final.Content.ReadAsByteArrayAsync(timeout.Token));
            }
            else
            {
                Assert.Equal(HttpStatusCode.NotFound, final.StatusCode);
            }

            inflightLooks += writing && File.Exists(dir.File("pump/obs/big.bin.tmp")) ? 1 : 0;
            if (work.RateLimit!.Due > time.GetUtcNow())
            {
                time.SetUtcNow(work.RateLimit.Due);
            }
            else
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            await Task.Delay(1);
        }

        Assert.Equal(WorkOutcome.Ok, await download);
        Assert.True(inflightLooks > 0, "the reader never looked while the file was being written");
        Assert.Equal(bytes, await reader.GetByteArrayAsync("obs/big.bin"));
        Assert.Contains("big.bin", await reader.GetStringAsync("obs/"), StringComparison.Ordinal);
        Assert.Equal($"{pump.BaseUrl}", item.Message.BaseUrl);
        Assert.Equal("obs/big.bin", item.Message.RelPath);
    }
}
