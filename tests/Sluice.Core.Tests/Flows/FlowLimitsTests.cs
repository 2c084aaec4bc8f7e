using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
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

/// <summary>sr3's limits, proved with fake time: byteRateMax, messageRateMax, messageAgeMax; and fileSizeMax, discard.</summary>
public class FlowLimitsTests
{
    [Fact]
    public void The_limits_are_read_from_a_configuration_with_sr3s_size_units()
    {
        using var dir = new TempDirectory();
        var config = ConfigLoader.LoadText("subscribe", "limits", "broker mqtt://127.0.0.1:1/\nbyteRateMax 1M\nfileSizeMax 64ki\ndiscard on\nmessageRateMax 2.5\nmessageAgeMax 10m\ntimeCopy off\n");
        var settings = ConfigMapping.ToSettings(config, new SluicePaths(dir.File("config"), dir.File("state")), CredentialStore.Empty, 1);
        Assert.Equal(1_000_000, settings.Download!.ByteRateMax);
        Assert.Equal(65_536, settings.Download.FileSizeMax);
        Assert.True(settings.Download.Discard);
        Assert.False(settings.Download.Metadata.TimeCopy);
        Assert.True(settings.Download.Metadata.PermCopy);
        Assert.Equal(2.5, settings.Flow.MessageRateMax);
        Assert.Equal(TimeSpan.FromMinutes(10), settings.Flow.MessageAgeMax);
        Assert.Equal(Path.Combine(dir.File("state"), "subscribe", "limits"), settings.Download.StateDirectory);
    }

    [Fact]
    public void The_byte_rate_limiter_books_each_chunk_on_one_schedule_and_saves_no_credit_when_idle()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T18:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var limiter = new ByteRateLimiter(1000, time);

        Assert.Equal(TimeSpan.FromSeconds(0.5), limiter.Book(500));
        Assert.Equal(TimeSpan.FromSeconds(1.0), limiter.Book(500)); // a second copier, at the same moment, waits behind the first
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(0.25), limiter.Book(250));
        time.Advance(TimeSpan.FromSeconds(10)); // idle
        Assert.Equal(TimeSpan.FromSeconds(2), limiter.Book(2000));
        Assert.Equal(3250, limiter.Bytes);
    }

    [Fact]
    public async Task ByteRateMax_holds_a_download_from_the_data_server_to_the_rate_on_the_flows_clock()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("served"));
        var bytes = RandomNumberGenerator.GetBytes(3 << 20);
        File.WriteAllBytes(dir.File("served/big.bin"), bytes);
        await using var server = new DataServer(new DataServerOptions { Root = dir.File("served"), Port = 0 });
        await server.StartAsync(CancellationToken.None);

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var start = time.GetUtcNow();
        const long rate = 512 * 1024;
        await using var work = new DownloadWork(new DownloadOptions { Directory = dir.File("out"), ByteRateMax = rate, BufSize = 64 * 1024 }, time);
        var message = new NotificationMessage(SrTime.Format(DateTimeOffset.UtcNow), server.BaseUrl, "big.bin") { Size = bytes.Length, Identity = new Identity("sha512", Convert.ToBase64String(SHA512.HashData(bytes))) };
        var download = work.DoAsync(new FlowMessage(message), CancellationToken.None).AsTask();
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        var still = 0;
        var booked = -1L;
        while (!download.IsCompleted && !timeout.IsCancellationRequested)
        {
            // The clock moves only as far as the limiter asks the copy to wait. A wait that started just after the
            // clock moved to its end waits a little longer: when nothing moves for a while, move the clock 1 ms.
            still = work.RateLimit!.Bytes == booked ? still + 1 : 0;
            booked = work.RateLimit.Bytes;
            if (work.RateLimit.Due > time.GetUtcNow())
            {
                time.SetUtcNow(work.RateLimit.Due);
            }
            else if (still > 20)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            await Task.Delay(1);
        }

        Assert.Equal(WorkOutcome.Ok, await download);
        Assert.Equal(bytes, File.ReadAllBytes(dir.File("out/big.bin")));
        Assert.Equal(bytes.Length, work.RateLimit!.Bytes);
        var elapsed = time.GetUtcNow() - start;
        var bound = TimeSpan.FromSeconds((double)bytes.Length / rate);
        Assert.InRange(elapsed, bound - TimeSpan.FromMilliseconds(1), bound * 1.1);
    }

    [Fact]
    public async Task MessageRateMax_spaces_messages_out_on_the_flows_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var start = time.GetUtcNow();
        var input = new MemoryInput();
        for (var i = 0; i < 10; i++)
        {
            input.Add(new NotificationMessage(SrTime.Format(start), "http://h/", $"d/f{i}"));
        }

        var output = new MemoryOutput();
        await using var flow = new Flow(new FlowOptions { Name = "shovel/rate", Batch = 1, MessageRateMax = 2, ReceiveWait = TimeSpan.FromMilliseconds(10) }, input, null, output, NullLogger.Instance, time);
        var run = flow.RunAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        while (output.Published.IsEmpty && !timeout.IsCancellationRequested)
        {
            await Task.Delay(5);
        }

        // Time for the rest to rush through if nothing held them; the flow's clock has not moved.
        await Task.Delay(200);
        Assert.Single(output.Published);
        while (!run.IsCompleted && !timeout.IsCancellationRequested)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(2);
        }

        await run;
        Assert.Equal(10, output.Published.Count);
        var elapsed = time.GetUtcNow() - start;
        Assert.True(elapsed >= TimeSpan.FromSeconds(4.5), $"10 messages at messageRateMax 2 passed in {elapsed} on the flow's clock");
    }

    [Fact]
    public async Task MessageAgeMax_rejects_old_messages_406_and_posts_the_fresh_ones()
    {
        var now = DateTimeOffset.Parse("2026-11-23T18:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var time = new FakeTimeProvider(now);
        var input = new MemoryInput();
        input.Add(new NotificationMessage(SrTime.Format(now - TimeSpan.FromHours(1)), "http://h/", "d/old"));
        input.Add(new NotificationMessage(SrTime.Format(now - TimeSpan.FromSeconds(5)), "http://h/", "d/fresh"));
        var output = new MemoryOutput();
        var reports = new MemoryOutput();
        await using var flow = new Flow(new FlowOptions { Name = "shovel/age", MessageAgeMax = TimeSpan.FromMinutes(10), Report = true, ReceiveWait = TimeSpan.FromMilliseconds(10) }, input, null, output, NullLogger.Instance, time, reports: reports);
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        await flow.RunAsync(timeout.Token);

        Assert.Equal(["d/fresh"], output.Published.Select(m => m.RelPath));
        var report = Assert.Single(reports.Published, r => r.RelPath == "d/old");
        Assert.Equal(ReportCodes.TooOld, report.Report!.Code);
        Assert.Equal(2, input.Acked.Count);
    }

    [Fact]
    public async Task FileSizeMax_refuses_files_over_it_413_and_discard_removes_a_file_once_it_is_checked()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("src"));
        File.WriteAllBytes(dir.File("src/small"), new byte[100]);
        File.WriteAllBytes(dir.File("src/large"), new byte[5000]);
        var baseUrl = "file://" + dir.File("src") + "/";
        NotificationMessage Msg(string name, int size) => new(SrTime.Format(DateTimeOffset.UtcNow), baseUrl, name) { Size = size };

        await using var limited = new DownloadWork(new DownloadOptions { Directory = dir.File("out"), FileSizeMax = 1000 });
        var large = new FlowMessage(Msg("large", 5000));
        Assert.Equal(WorkOutcome.Reject, await limited.DoAsync(large, CancellationToken.None));
        Assert.Equal(ReportCodes.TooLarge, large.Code);
        Assert.Contains("fileSizeMax 1000", large.Reason);
        Assert.False(File.Exists(dir.File("out/large")));
        Assert.Equal(WorkOutcome.Ok, await limited.DoAsync(new FlowMessage(Msg("small", 100)), CancellationToken.None));
        Assert.True(File.Exists(dir.File("out/small")));

        await using var discarding = new DownloadWork(new DownloadOptions { Directory = dir.File("discarded"), Discard = true });
        Assert.Equal(WorkOutcome.Ok, await discarding.DoAsync(new FlowMessage(Msg("large", 5000)), CancellationToken.None));
        Assert.Empty(Directory.GetFiles(dir.File("discarded"), "*", SearchOption.AllDirectories));
    }
}
