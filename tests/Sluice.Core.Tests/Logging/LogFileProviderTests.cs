using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Logging;

namespace Sluice.Core.Tests.Logging;

public class LogFileProviderTests
{
    [Fact]
    public void Lines_are_written_in_sr3_layout_at_or_above_the_level()
    {
        using var dir = new TempDirectory();
        var path = dir.File("log/" + LogFileOptions.FileName("subscribe", "hpfx", 1));
        using (var provider = new LogFileProvider(new LogFileOptions { Path = path, Level = LogLevel.Information }))
        {
            var logger = provider.CreateLogger("flow");
            logger.LogInformation("after_accept accepted: (lag: {Lag:F2} ) {Url}", 0.5, "http://h/ a/b");
            logger.LogDebug("not shown");
            logger.LogWarning("careful");
        }

        Assert.EndsWith("subscribe_hpfx_01.log", path, StringComparison.Ordinal);
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[INFO\] after_accept accepted: \(lag: 0\.50 \) http://h/ a/b$", lines[0]);
        Assert.EndsWith("[WARNING] careful", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_file_rotates_at_the_interval_keeping_the_configured_count()
    {
        using var dir = new TempDirectory();
        var path = dir.File("sarra_x_02.log");
        var time = new FakeTimeProvider();
        using var provider = new LogFileProvider(new LogFileOptions { Path = path, RotateCount = 2, RotateInterval = TimeSpan.FromHours(1) }, time);
        var logger = provider.CreateLogger("flow");
        for (var i = 0; i < 4; i++)
        {
            logger.LogInformation("line {N}", i);
            time.Advance(TimeSpan.FromMinutes(61));
        }

        Assert.Equal(["line 3"], File.ReadAllLines(path).Select(l => l[(l.IndexOf(']', StringComparison.Ordinal) + 2)..]));
        Assert.EndsWith("line 2", File.ReadAllText(path + ".1").Trim(), StringComparison.Ordinal);
        Assert.EndsWith("line 1", File.ReadAllText(path + ".2").Trim(), StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".3"));
    }
}
