using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Messages;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests.Components;

public class WatchInputTests
{
    private static WatchOptions Options(string root, bool polling = false) => new()
    {
        Paths = [root],
        Announce = new AnnounceOptions { PostBaseUrl = "http://127.0.0.1:8091/", PostBaseDir = Path.GetDirectoryName(root), Source = "tfeed", FromCluster = "localhost" },
        ForcePolling = polling,
        Sleep = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>Receives until <paramref name="until"/> holds for what was received, or patience runs out.</summary>
    private static async Task<List<NotificationMessage>> CollectAsync(WatchInput watch, Func<List<NotificationMessage>, bool> until)
    {
        var all = new List<NotificationMessage>();
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        while (!until(all) && !timeout.IsCancellationRequested)
        {
            var batch = await watch.ReceiveAsync(1000, TimeSpan.FromMilliseconds(100), timeout.Token);
            all.AddRange(batch.Select(b => b.Message));
        }

        return all;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Files_directories_links_renames_and_removals_are_announced(bool polling)
    {
        using var dir = new TempDirectory();
        var root = dir.File("watched");
        Directory.CreateDirectory(root);
        await using var watch = new WatchInput(Options(root, polling), NullLogger.Instance);

        await File.WriteAllTextAsync(Path.Combine(root, "created.txt"), "created by the watch test\n");
        var created = await CollectAsync(watch, l => l.Any(m => m.RelPath == "watched/created.txt"));
        var file = created.Last(m => m.RelPath == "watched/created.txt");
        Assert.Equal(26, file.Size);
        Assert.Equal("sha512", file.Identity!.Method);

        Directory.CreateDirectory(Path.Combine(root, "newdir"));
        File.CreateSymbolicLink(Path.Combine(root, "link_to_created"), "created.txt");
        var more = await CollectAsync(watch, l => l.Any(m => m.FileOp?.IsDirectory == true) && l.Any(m => m.FileOp?.Link is not null));
        Assert.Contains(more, m => m.RelPath == "watched/newdir" && m.FileOp is { IsDirectory: true, IsRemove: false });
        Assert.Contains(more, m => m.RelPath == "watched/link_to_created" && m.FileOp!.Link == "created.txt");

        File.Move(Path.Combine(root, "created.txt"), Path.Combine(root, "renamed.txt"));
        var renamed = await CollectAsync(watch, l => l.Any(m => m.RelPath == "watched/renamed.txt"));
        var rename = renamed.Last(m => m.RelPath == "watched/renamed.txt");
        Assert.Equal(26, rename.Size);
        if (!polling)
        {
            // inotify sees the rename itself; a poll only sees a new file and a removed one.
            Assert.Equal(Path.Combine(root, "created.txt"), rename.FileOp!.Rename);
        }

        File.Delete(Path.Combine(root, "renamed.txt"));
        Directory.Delete(Path.Combine(root, "newdir"));
        var removed = await CollectAsync(watch, l => l.Any(m => m.RelPath == "watched/renamed.txt" && m.FileOp?.IsRemove == true) && l.Any(m => m.RelPath == "watched/newdir"));
        Assert.Contains(removed, m => m.RelPath == "watched/renamed.txt" && m.FileOp is { IsRemove: true, IsDirectory: false });
        Assert.Contains(removed, m => m.RelPath == "watched/newdir" && m.FileOp is { IsRemove: true, IsDirectory: true });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Files_written_while_the_watch_is_announcing_are_all_announced_once(bool polling)
    {
        // Events are added to the pending set by the watcher's thread while the watch takes from it: a watch that
        // read the set unsafely failed here (and, in a flow, stopped announcing anything).
        const int count = 20_000;
        using var dir = new TempDirectory();
        var root = dir.File("watched");
        Directory.CreateDirectory(root);
        await using var watch = new WatchInput(Options(root, polling), NullLogger.Instance);

        var writing = Task.Run(() =>
        {
            for (var i = 0; i < count; i++)
            {
                File.WriteAllBytes(Path.Combine(root, $"f{i:D5}"), [(byte)i]);
            }
        });
        var all = await CollectAsync(watch, l => writing.IsCompleted && l.Select(m => m.RelPath).Distinct().Count() == count);
        await writing;

        Assert.Equal(count, all.Select(m => m.RelPath).Distinct().Count());
        // A file may be announced empty (just created) and again once written; never twice as it is.
        var twice = all.GroupBy(m => (m.RelPath, m.Size, m.Mtime)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(twice);
        Assert.All(all.GroupBy(m => m.RelPath), g => Assert.Equal(1, g.Last().Size));
    }

    [Fact]
    public async Task Inflight_names_are_ignored_and_the_final_name_is_announced_as_new()
    {
        using var dir = new TempDirectory();
        var root = dir.File("w");
        Directory.CreateDirectory(root);
        await using var watch = new WatchInput(Options(root), NullLogger.Instance);

        await File.WriteAllTextAsync(Path.Combine(root, "data.grib2.tmp"), "partial");
        await File.WriteAllTextAsync(Path.Combine(root, ".hidden"), "x");
        File.Move(Path.Combine(root, "data.grib2.tmp"), Path.Combine(root, "data.grib2"));
        var messages = await CollectAsync(watch, l => l.Any(m => m.RelPath == "w/data.grib2"));
        await Task.Delay(200);
        messages.AddRange((await watch.ReceiveAsync(100, TimeSpan.FromMilliseconds(200), CancellationToken.None)).Select(f => f.Message));

        Assert.DoesNotContain(messages, m => m.RelPath.EndsWith(".tmp", StringComparison.Ordinal) || m.RelPath.EndsWith(".hidden", StringComparison.Ordinal));
        var data = messages.Last(m => m.RelPath == "w/data.grib2");
        Assert.Null(data.FileOp);
        Assert.Equal("application/x-grib", data.ContentType);
    }

    [Fact]
    public async Task Post_on_start_announces_what_was_written_while_the_watch_was_down()
    {
        using var dir = new TempDirectory();
        var root = dir.File("w");
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        await File.WriteAllTextAsync(Path.Combine(root, "sub", "old.txt"), "old");
        await using var watch = new WatchInput(Options(root) with { PostOnStart = true }, NullLogger.Instance);
        var messages = await CollectAsync(watch, l => l.Any(m => m.RelPath == "w/sub/old.txt"));
        Assert.Contains(messages, m => m.RelPath == "w/sub" && m.FileOp!.IsDirectory);
    }

    [Fact]
    public async Task A_burst_of_files_in_new_directories_is_announced_completely()
    {
        using var dir = new TempDirectory();
        var root = dir.File("burst");
        Directory.CreateDirectory(root);
        await using var watch = new WatchInput(Options(root), NullLogger.Instance);
        const int directories = 20, perDirectory = 250;
        for (var d = 0; d < directories; d++)
        {
            var sub = Path.Combine(root, $"d{d:D2}");
            Directory.CreateDirectory(sub);
            for (var f = 0; f < perDirectory; f++)
            {
                await File.WriteAllTextAsync(Path.Combine(sub, $"f{f:D3}.txt"), $"{d}/{f}");
            }
        }

        var seen = new HashSet<string>();
        using var timeout = new CancellationTokenSource(Patience.Delivery * 2);
        while (seen.Count(p => p.EndsWith(".txt", StringComparison.Ordinal)) < directories * perDirectory && !timeout.IsCancellationRequested)
        {
            foreach (var m in await watch.ReceiveAsync(1000, TimeSpan.FromMilliseconds(100), timeout.Token))
            {
                seen.Add(m.Message.RelPath);
            }
        }

        Assert.Equal(directories * perDirectory, seen.Count(p => p.EndsWith(".txt", StringComparison.Ordinal)));
        Assert.Equal(directories, seen.Count(p => !p.EndsWith(".txt", StringComparison.Ordinal)));
    }

    /// <summary>Receives until <paramref name="until"/> holds, acknowledging every batch as a flow does once it has posted it.</summary>
    private static async Task<List<NotificationMessage>> CollectAndAcknowledgeAsync(WatchInput watch, Func<List<NotificationMessage>, bool> until)
    {
        var all = new List<NotificationMessage>();
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        while (!until(all) && !timeout.IsCancellationRequested)
        {
            var batch = await watch.ReceiveAsync(1000, TimeSpan.FromMilliseconds(100), timeout.Token);
            all.AddRange(batch.Select(b => b.Message));
            await watch.AcknowledgeAsync([.. batch.Select(b => b.AckToken!)], CancellationToken.None);
        }

        return all;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_watch_started_again_announces_what_changed_while_it_was_not_running(bool polling)
    {
        using var dir = new TempDirectory();
        var root = dir.File("w");
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, "before.txt"), "there before the first start");
        var options = Options(root, polling) with { StatePath = dir.File("state/announced_01.journal") };
        var first = new WatchInput(options, NullLogger.Instance);
        await File.WriteAllTextAsync(Path.Combine(root, "kept.txt"), "kept");
        await File.WriteAllTextAsync(Path.Combine(root, "changed.txt"), "one");
        await File.WriteAllTextAsync(Path.Combine(root, "removed.txt"), "removed");
        var announced = await CollectAndAcknowledgeAsync(first, l => l.Select(m => m.RelPath).Distinct().Count() == 3);
        Assert.Equal(["w/changed.txt", "w/kept.txt", "w/removed.txt"], announced.Select(m => m.RelPath).Distinct().Order(StringComparer.Ordinal));
        await first.DisposeAsync();

        // While no watch runs.
        await File.WriteAllTextAsync(Path.Combine(root, "changed.txt"), "two, longer");
        File.Delete(Path.Combine(root, "removed.txt"));
        Directory.CreateDirectory(Path.Combine(root, "new"));
        await File.WriteAllTextAsync(Path.Combine(root, "new", "inside.txt"), "in a new directory");

        await using var second = new WatchInput(options, NullLogger.Instance);
        var caught = await CollectAndAcknowledgeAsync(second, l => l.Count >= 4);
        await Task.Delay(300);
        caught.AddRange((await second.ReceiveAsync(100, TimeSpan.FromMilliseconds(300), CancellationToken.None)).Select(f => f.Message));

        Assert.Equal(["w/changed.txt", "w/new", "w/new/inside.txt", "w/removed.txt"], caught.Select(m => m.RelPath).Order(StringComparer.Ordinal));
        Assert.Equal(11, caught.Single(m => m.RelPath == "w/changed.txt").Size);
        Assert.True(caught.Single(m => m.RelPath == "w/removed.txt").FileOp!.IsRemove);
        Assert.True(caught.Single(m => m.RelPath == "w/new").FileOp!.IsDirectory);
    }

    [Fact]
    public async Task What_was_announced_but_never_acknowledged_is_announced_again_on_the_next_start()
    {
        using var dir = new TempDirectory();
        var root = dir.File("w");
        Directory.CreateDirectory(root);
        var options = Options(root) with { StatePath = dir.File("state/announced_01.journal"), Announce = Options(root).Announce with { BlockSize = 4 } };
        var killed = new WatchInput(options, NullLogger.Instance);
        // Written under inflight names and renamed, so that each is announced once, as a whole.
        await File.WriteAllTextAsync(Path.Combine(root, "posted.txt.tmp"), "post");
        File.Move(Path.Combine(root, "posted.txt.tmp"), Path.Combine(root, "posted.txt"));
        await CollectAndAcknowledgeAsync(killed, l => l.Count == 1);
        await File.WriteAllTextAsync(Path.Combine(root, "blocks.bin.tmp"), "ten bytes!");
        File.Move(Path.Combine(root, "blocks.bin.tmp"), Path.Combine(root, "blocks.bin"));
        var blocks = new List<FlowMessage>();
        using (var timeout = new CancellationTokenSource(Patience.Delivery))
        {
            while (blocks.Count < 3)
            {
                blocks.AddRange(await killed.ReceiveAsync(10, TimeSpan.FromMilliseconds(100), timeout.Token));
            }
        }

        // Two of its three blocks were posted when the flow was killed: the file counts as announced only once all are.
        Assert.Equal(3, blocks.Count);
        await killed.AcknowledgeAsync([blocks[0].AckToken!, blocks[1].AckToken!], CancellationToken.None);

        await using var restarted = new WatchInput(options, NullLogger.Instance);
        var again = await CollectAsync(restarted, l => l.Count >= 3);
        await Task.Delay(300);
        again.AddRange((await restarted.ReceiveAsync(100, TimeSpan.FromMilliseconds(300), CancellationToken.None)).Select(f => f.Message));
        Assert.Equal(["w/blocks.bin"], again.Select(m => m.RelPath).Distinct());
        Assert.Equal(3, again.Count);
        await killed.DisposeAsync();
    }

    [Fact]
    public async Task Files_renamed_away_while_the_watch_lists_and_reads_them_are_no_failure()
    {
        // Writers use temporary names renamed into place: a listing often names a file that is gone when it is
        // looked at. A watch that started or rescanned at such a moment failed ("Could not find file").
        const int count = 3000;
        using var dir = new TempDirectory();
        var root = dir.File("w");
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        var options = Options(root, polling: true) with { Sleep = TimeSpan.FromMilliseconds(1), StatePath = dir.File("state/announced_01.journal") };

        // The very first start takes the tree as it finds it as announced: start once before any file is written, so that
        // every file below is new to the watch (a first start racing the writer took some as announced, never to be seen).
        await new WatchInput(options, NullLogger.Instance).DisposeAsync();
        var writing = Task.Run(() =>
        {
            for (var i = 0; i < count; i++)
            {
                var temp = Path.Combine(root, "sub", $".f{i}.tmp");
                File.WriteAllText(temp, new string('x', i % 100));
                File.Move(temp, Path.Combine(root, "sub", $"f{i}"));
            }
        });

        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (!writing.IsCompleted)
        {
            // Starts, scans and announces again and again while the tree changes under it.
            await using var watch = new WatchInput(options, NullLogger.Instance);
            for (var round = 0; round < 5; round++)
            {
                var batch = await watch.ReceiveAsync(1000, TimeSpan.FromMilliseconds(5), CancellationToken.None);
                seen.UnionWith(batch.Select(b => b.Message.RelPath));
                await watch.AcknowledgeAsync([.. batch.Select(b => b.AckToken!)], CancellationToken.None);
            }
        }

        await writing;
        await using var last = new WatchInput(options, NullLogger.Instance);
        var rest = await CollectAndAcknowledgeAsync(last, l => seen.Union(l.Select(m => m.RelPath)).Count(p => p.StartsWith("w/sub/f", StringComparison.Ordinal)) == count);
        seen.UnionWith(rest.Select(m => m.RelPath));
        Assert.Equal(count, seen.Count(p => p.StartsWith("w/sub/f", StringComparison.Ordinal)));
        Assert.DoesNotContain(seen, p => p.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_path_is_refused_with_its_name()
    {
        var ex = Assert.Throws<DirectoryNotFoundException>(() => new WatchInput(Options("/nonexistent/tree"), NullLogger.Instance));
        Assert.Contains("/nonexistent/tree", ex.Message);
    }
}
