using Sluice.Core.Flows;
using Sluice.Core.Messages;

namespace Sluice.Core.Tests.Flows;

public class DiskQueueTests
{
    private static RetryItem Item(int n) => new(
        new NotificationMessage("20261123T183058.0", "http://h/", $"dir/file{n}.txt") { Size = n, Identity = new Identity("md5", "oxddUjBsCZjGeJgZQ2nH8Q==") },
        n % 3,
        new DateTimeOffset(2026, 11, 23, 18, 30, 58, TimeSpan.Zero));

    [Fact]
    public void Items_come_out_in_order_with_their_failure_counts()
    {
        using var dir = new TempDirectory();
        using var queue = new DiskQueue(dir.Path, "work_retry_01");
        for (var i = 0; i < 10; i++)
        {
            queue.Enqueue(Item(i));
        }

        var taken = queue.Take(4);
        Assert.Equal(["dir/file0.txt", "dir/file1.txt", "dir/file2.txt", "dir/file3.txt"], taken.Select(t => t.Message.RelPath));
        Assert.Equal(2, taken[2].Failures);
        Assert.Equal(Item(2).FirstFailure, taken[2].FirstFailure);
        Assert.Equal(Item(3).Message.Identity, taken[3].Message.Identity);
        queue.Commit();
        Assert.Equal(6, queue.Count);
    }

    [Fact]
    public void Items_taken_but_not_committed_come_back_after_a_crash()
    {
        using var dir = new TempDirectory();
        var queue = new DiskQueue(dir.Path, "q");
        for (var i = 0; i < 5; i++)
        {
            queue.Enqueue(Item(i));
        }

        _ = queue.Take(2);
        queue.Commit();
        _ = queue.Take(2); // taken, then the process dies before Commit: no Dispose either.

        using var reopened = new DiskQueue(dir.Path, "q");
        Assert.Equal(3, reopened.Count);
        Assert.Equal(["dir/file2.txt", "dir/file3.txt", "dir/file4.txt"], reopened.Take(10).Select(t => t.Message.RelPath));
        queue.Dispose();
    }

    [Fact]
    public void A_line_cut_short_by_a_crash_is_not_an_item_and_loses_nothing_before_it()
    {
        using var dir = new TempDirectory();
        using (var queue = new DiskQueue(dir.Path, "q"))
        {
            queue.Enqueue(Item(1));
            queue.Enqueue(Item(2));
        }

        File.AppendAllText(Path.Combine(dir.Path, "q.0.jsonl"), "{\"failures\": 1, \"fir");
        using var reopened = new DiskQueue(dir.Path, "q");
        Assert.Equal(["dir/file1.txt", "dir/file2.txt"], reopened.Take(10).Select(t => t.Message.RelPath));
    }

    [Fact]
    public void A_damaged_line_is_reported_with_its_place_and_skipped()
    {
        using var dir = new TempDirectory();
        using (var queue = new DiskQueue(dir.Path, "q"))
        {
            queue.Enqueue(Item(1));
        }

        File.AppendAllText(Path.Combine(dir.Path, "q.0.jsonl"), "garbage\n");
        using (var queue = new DiskQueue(dir.Path, "q"))
        {
            queue.Enqueue(Item(3));
        }

        using var reopened = new DiskQueue(dir.Path, "q");
        var damaged = new List<string>();
        Assert.Equal(["dir/file1.txt", "dir/file3.txt"], reopened.Take(10, damaged).Select(t => t.Message.RelPath));
        Assert.Single(damaged);
        Assert.Contains("q.0.jsonl", damaged[0]);
    }

    [Fact]
    public void Compaction_keeps_every_item_not_yet_taken()
    {
        using var dir = new TempDirectory();
        using var queue = new DiskQueue(dir.Path, "q");
        const int total = 12_000;
        for (var i = 0; i < total; i++)
        {
            queue.Enqueue(Item(i));
        }

        var seen = 0;
        while (seen < total - 1000)
        {
            var batch = queue.Take(1000);
            Assert.Equal($"dir/file{seen}.txt", batch[0].Message.RelPath);
            seen += batch.Count;
            queue.Commit();
        }

        Assert.Single(Directory.GetFiles(dir.Path, "q.*.jsonl"));
        Assert.DoesNotContain(Path.Combine(dir.Path, "q.0.jsonl"), Directory.GetFiles(dir.Path));
        var rest = queue.Take(total);
        Assert.Equal(total - seen, rest.Count);
        Assert.Equal($"dir/file{total - 1}.txt", rest[^1].Message.RelPath);
    }
}
