using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Flows;
using Sluice.Core.Messages;

namespace Sluice.Core.Tests.Flows;

public class NoDupeCacheTests
{
    private static NotificationMessage File(string relPath, string sum, long size = 10) =>
        new("20261123T183058.0", "http://h/", relPath) { Identity = new Identity("md5", sum), Size = size, Mtime = "20261123T183000.0" };

    private const string SumA = "oxddUjBsCZjGeJgZQ2nH8Q==";
    private const string SumB = "AAAAUjBsCZjGeJgZQ2nH8Q==";

    [Fact]
    public void Second_copy_of_the_same_file_within_the_ttl_is_a_duplicate()
    {
        var time = new FakeTimeProvider();
        using var cache = new NoDupeCache(TimeSpan.FromMinutes(5), NoDupeBasis.Path, null, time);
        Assert.True(cache.CheckAndRemember(File("a/b.txt", SumA)));
        Assert.False(cache.CheckAndRemember(File("a/b.txt", SumA)));
        Assert.True(cache.CheckAndRemember(File("a/b.txt", SumB)), "changed content is new");
        Assert.True(cache.CheckAndRemember(File("c/b.txt", SumA)), "same content elsewhere is new with basis path");
    }

    [Fact]
    public void After_the_ttl_the_same_file_is_new_again_and_housekeeping_frees_it()
    {
        var time = new FakeTimeProvider();
        using var cache = new NoDupeCache(TimeSpan.FromMinutes(5), NoDupeBasis.Path, null, time);
        Assert.True(cache.CheckAndRemember(File("a/b.txt", SumA)));
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(cache.CheckAndRemember(File("a/b.txt", SumA)));
        time.Advance(TimeSpan.FromMinutes(6));
        cache.Housekeeping();
        Assert.Equal(0, cache.Count);
        Assert.True(cache.CheckAndRemember(File("a/b.txt", SumA)));
    }

    [Theory]
    [InlineData(NoDupeBasis.Name, "x/f.txt", "y/f.txt", false)]
    [InlineData(NoDupeBasis.Name, "x/f.txt", "x/g.txt", true)]
    [InlineData(NoDupeBasis.Data, "x/f.txt", "y/g.txt", false)]
    [InlineData(NoDupeBasis.Path, "x/f.txt", "y/f.txt", true)]
    public void Basis_decides_what_else_must_match(NoDupeBasis basis, string first, string second, bool secondIsNew)
    {
        using var cache = new NoDupeCache(TimeSpan.FromMinutes(5), basis, null, new FakeTimeProvider());
        Assert.True(cache.CheckAndRemember(File(first, SumA)));
        Assert.Equal(secondIsNew, cache.CheckAndRemember(File(second, SumA)));
    }

    [Fact]
    public void Without_identity_mtime_and_size_stand_for_the_content()
    {
        using var cache = new NoDupeCache(TimeSpan.FromMinutes(5), NoDupeBasis.Path, null, new FakeTimeProvider());
        var m = new NotificationMessage("20261123T183058.0", "http://h/", "a/f") { Size = 5, Mtime = "20261123T183000.0" };
        Assert.True(cache.CheckAndRemember(m));
        Assert.False(cache.CheckAndRemember(m.Clone()));
        var touched = m.Clone();
        touched.Mtime = "20261123T183001.0";
        Assert.True(cache.CheckAndRemember(touched));
    }

    [Fact]
    public void A_restart_remembers_what_was_seen_and_forgets_what_expired()
    {
        using var dir = new TempDirectory();
        var journal = dir.File("nodupe/recent.journal");
        var time = new FakeTimeProvider();
        using (var cache = new NoDupeCache(TimeSpan.FromMinutes(5), NoDupeBasis.Path, journal, time))
        {
            Assert.True(cache.CheckAndRemember(File("a/1", SumA)));
            time.Advance(TimeSpan.FromMinutes(3));
            Assert.True(cache.CheckAndRemember(File("a/2", SumA)));
            Assert.True(cache.CheckAndRemember(File("a/3", SumA)));
            cache.Forget(File("a/3", SumA));
        }

        time.Advance(TimeSpan.FromMinutes(3));
        using var restarted = new NoDupeCache(TimeSpan.FromMinutes(5), NoDupeBasis.Path, journal, time);
        Assert.Equal(1, restarted.Count);
        Assert.False(restarted.CheckAndRemember(File("a/2", SumA)));
        Assert.True(restarted.CheckAndRemember(File("a/1", SumA)), "expired before the restart");
        Assert.True(restarted.CheckAndRemember(File("a/3", SumA)), "forgotten after its work failed");
    }

    [Fact]
    public void What_was_remembered_but_never_committed_is_new_again_after_a_restart_and_a_duplicate_before()
    {
        using var dir = new TempDirectory();
        var journal = dir.File("nodupe/recent.journal");
        var time = new FakeTimeProvider();
        var cache = new NoDupeCache(TimeSpan.FromMinutes(5), NoDupeBasis.Path, journal, time);
        Assert.True(cache.TryRemember(File("a/done", SumA), out var done));
        Assert.True(cache.TryRemember(File("a/working", SumA), out _));
        Assert.False(cache.TryRemember(File("a/working", SumA), out _), "a copy that arrives while the first is worked on is a duplicate");
        cache.Commit(done);
        cache.Flush();

        // Killed here: the cache is never disposed, only what was flushed counts.
        using var restarted = new NoDupeCache(TimeSpan.FromMinutes(5), NoDupeBasis.Path, journal, time);
        Assert.False(restarted.CheckAndRemember(File("a/done", SumA)));
        Assert.True(restarted.CheckAndRemember(File("a/working", SumA)), "its work never finished: the copy delivered again is worked on");
        cache.Dispose();
    }

    [Fact]
    public void Memory_is_bounded_by_max_entries()
    {
        using var cache = new NoDupeCache(TimeSpan.FromHours(1), NoDupeBasis.Path, null, new FakeTimeProvider(), maxEntries: 100);
        for (var i = 0; i < 1000; i++)
        {
            cache.CheckAndRemember(File($"a/{i}", SumA));
        }

        Assert.True(cache.Count <= 101, $"{cache.Count} entries");
    }
}
