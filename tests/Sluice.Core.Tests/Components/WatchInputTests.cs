using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Messages;

namespace Sluice.Core.Tests.Components;

public class WatchInputTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(Environment.GetEnvironmentVariable("CI") == "true" ? 60 : 20);

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
        using var timeout = new CancellationTokenSource(Patience);
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
        using var timeout = new CancellationTokenSource(Patience * 2);
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

    [Fact]
    public void A_missing_path_is_refused_with_its_name()
    {
        var ex = Assert.Throws<DirectoryNotFoundException>(() => new WatchInput(Options("/nonexistent/tree"), NullLogger.Instance));
        Assert.Contains("/nonexistent/tree", ex.Message);
    }
}
