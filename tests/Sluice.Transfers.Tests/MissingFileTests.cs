using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;
using Sluice.Core.Work;
using Sluice.Tests.Servers;

namespace Sluice.Transfers.Tests;

/// <summary>
/// A file announced, then removed at the source before it was fetched: the download work rejects its message with
/// a 404 report (acknowledged, not put in the retry queue to be fetched again until retry_ttl), over the real file
/// and http transfers.
/// </summary>
[Collection(DataServerCollection.Name)]
public sealed class MissingFileTests(DataServerFixture server) : IDisposable
{
    private readonly string _destination = TestEnvironment.TempDirectory("missing-dst");
    private readonly string _dir = "t" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => Directory.Delete(_destination, recursive: true);

    [Fact]
    public async Task A_file_missing_at_a_file_url_is_rejected_as_not_found()
    {
        Directory.CreateDirectory(Path.Combine(server.Root, _dir));
        var item = await DownloadAsync("file://" + Path.Combine(server.Root, _dir) + "/", "gone.bin");

        Assert.Equal(WorkOutcome.Reject, item.Outcome);
        Assert.Equal(ReportCodes.NotFound, item.Code);
        Assert.False(File.Exists(Path.Combine(_destination, "gone.bin")));
    }

    [Fact]
    public async Task A_file_missing_at_the_http_server_is_rejected_as_not_found()
    {
        Directory.CreateDirectory(Path.Combine(server.Root, _dir));
        var item = await DownloadAsync(server.Http.BaseUrl + _dir + "/", "gone.bin");

        Assert.Equal(WorkOutcome.Reject, item.Outcome);
        Assert.Equal(ReportCodes.NotFound, item.Code);
        Assert.Contains("404", item.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_destination, "gone.bin")));
    }

    [Fact]
    public async Task A_file_that_is_there_is_downloaded_by_the_same_work()
    {
        // The control: the same work and server, with the file present.
        TestEnvironment.WriteRandomFile(Path.Combine(server.Root, _dir, "here.bin"), 1000);
        var item = await DownloadAsync(server.Http.BaseUrl + _dir + "/", "here.bin");

        Assert.Equal(WorkOutcome.Ok, item.Outcome);
        Assert.True(File.Exists(Path.Combine(_destination, "here.bin")));
    }

    private async Task<FlowMessage> DownloadAsync(string baseUrl, string relPath)
    {
        await using var work = new DownloadWork(new DownloadOptions { Directory = _destination, Timeout = Patience.Operation });
        var item = new FlowMessage(new NotificationMessage(SrTime.Format(DateTimeOffset.UtcNow), baseUrl, relPath));
        item.Outcome = await work.DoAsync(item, CancellationToken.None);
        return item;
    }
}
