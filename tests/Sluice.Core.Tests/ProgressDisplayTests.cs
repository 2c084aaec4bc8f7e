using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Sluice.Cli.Progress;

namespace Sluice.Core.Tests;

/// <summary>The progress display: its arithmetic in fake time, silent without a terminal, drawn on a pseudo-terminal.</summary>
public class ProgressDisplayTests
{
    [Fact]
    public void Counts_rate_and_eta_follow_the_samples_over_the_last_ten_seconds()
    {
        var time = new FakeTimeProvider();
        var model = new ProgressModel(time, totalFiles: 100, totalBytes: 10_000);
        model.Update(0, 0);
        Assert.Null(model.Eta); // nothing moved yet: no rate, no ETA

        time.Advance(TimeSpan.FromSeconds(2));
        model.Update(10, 1_000);
        Assert.Equal(5, model.FilesPerSecond);
        Assert.Equal(500, model.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(18), model.Eta); // 9,000 bytes left at 500 B/s

        // The pace drops; once the fast start is out of the window, the rate and the ETA follow.
        for (var i = 1; i <= 12; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            model.Update(10 + i, 1_000 + (i * 100));
        }

        Assert.Equal(100, model.BytesPerSecond, 6);
        Assert.Equal(TimeSpan.FromSeconds(78), model.Eta); // 7,800 bytes left at 100 B/s
        Assert.Equal("post: 22/100 files, 0.0/0.0 MiB, 0.0 MiB/s, 1 files/s, ETA 1:18", model.Describe("post"));

        var open = new ProgressModel(time);
        open.Update(0, 0);
        time.Advance(TimeSpan.FromSeconds(4));
        open.Update(8, 8 * 1024 * 1024);
        Assert.Null(open.Eta); // no total, no ETA
        Assert.Equal("subscribe/x: 8 files, 8.0 MiB, 2.0 MiB/s, 2 files/s", open.Describe("subscribe/x"));
    }

    [Fact]
    public async Task Log_lines_are_written_above_the_progress_line()
    {
        var terminal = new StringWriter();
        var done = (Files: 0L, Bytes: 0L);
        await using (var display = ProgressDisplay.Create(terminal, "post", () => done, totalFiles: 2, time: new FakeTimeProvider()))
        {
            done = (2, 10);
            display.Log.WriteLine("2026-11-30 12:00:00,000 [INFO] after_post posted 2 message(s)");
        }

        var text = terminal.ToString();
        Assert.Contains("\r\u001b[2K2026-11-30 12:00:00,000 [INFO] after_post posted 2 message(s)" + Environment.NewLine, text);
        Assert.EndsWith("\r\u001b[2Kpost: 2/2 files, 0.0 MiB, 0.0 MiB/s, 0 files/s" + Environment.NewLine, text);
    }

    private static string Tree(TempDirectory dir, int count)
    {
        var root = dir.File("tree");
        for (var i = 0; i < count; i++)
        {
            var sub = Path.Combine(root, $"d{i % 4}");
            Directory.CreateDirectory(sub);
            File.WriteAllBytes(Path.Combine(sub, $"f{i:D3}.bin"), new byte[(i + 1) * 1000]);
        }

        return root;
    }

    [Fact]
    public void Without_a_terminal_post_writes_nothing_but_its_output()
    {
        using var dir = new TempDirectory();
        var tree = Tree(dir, 40);
        var inProcess = InProcessCli.Run(["post", "--outlet", "url", "--post_baseUrl", "http://pump/", "--post_baseDir", dir.Path, tree]);
        Assert.Equal(0, inProcess.Code);
        Assert.Equal(40, inProcess.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.EndsWith(".bin", StringComparison.Ordinal)));
        Assert.Equal(string.Empty, inProcess.Err);

        // As a real process whose standard error is a pipe: not a byte of progress either.
        var process = CliFlowTests.Process(dir.File("config"), dir.File("state"), "post", "--outlet", "url", "--post_baseUrl", "http://pump/", "--post_baseDir", dir.Path, tree);
        Assert.Equal(0, process.Code);
        Assert.Contains("d3/f039.bin", process.Out);
        Assert.Equal(string.Empty, process.Err);
    }

    /// <summary>Runs a shell command on a pseudo-terminal (script(1)); what it drew is its standard output.</summary>
    internal static Process OnPseudoTerminal(string command, IDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-q", "-e", "-c", command, "/dev/null" })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["TERM"] = "xterm";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        process.StandardInput.Close();
        return process;
    }

    [Fact]
    public async Task On_a_pseudo_terminal_post_draws_the_progress_line_on_standard_error()
    {
        using var dir = new TempDirectory();
        var tree = Tree(dir, 120);
        var urls = dir.File("urls.txt");

        // script(1) runs the command on a pseudo-terminal; standard output goes to a file, standard error stays on the terminal.
        var command = $"dotnet '{CliFlowTests.Sluice}' post --outlet url --post_baseUrl http://pump/ --post_baseDir '{dir.Path}' '{tree}' > '{urls}'";
        using var process = OnPseudoTerminal(command, new Dictionary<string, string> { ["SLUICE_CONFIG_DIR"] = dir.File("config"), ["SLUICE_STATE_DIR"] = dir.File("state") });
        var terminal = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var screen = (await terminal).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.True(process.ExitCode == 0, screen + error);

        var total = Enumerable.Range(1, 120).Sum(i => i * 1000L) / (1024.0 * 1024);
        Assert.Contains($"\u001b[2Kpost: 120/120 files, {total:F1}/{total:F1} MiB", screen);
        Assert.Equal(120, File.ReadAllLines(urls).Count(l => l.EndsWith(".bin", StringComparison.Ordinal)));
        Assert.DoesNotContain("files/s", File.ReadAllText(urls));
    }
}

/// <summary><c>sluice foreground</c> on a pseudo-terminal: the log lines, and the progress line below them.</summary>
[Collection("Mosquitto")]
public class ForegroundProgressTests(Sluice.Tests.Servers.MosquittoServer mosquitto)
{
    [Fact]
    public async Task Foreground_on_a_pseudo_terminal_shows_the_downloads_progress_below_its_log()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("config/subscribe"));
        Directory.CreateDirectory(dir.File("source/obs"));
        for (var i = 0; i < 5; i++)
        {
            File.WriteAllBytes(dir.File($"source/obs/f{i}.bin"), new byte[50_000]);
        }

        var exchange = "xfg" + Guid.NewGuid().ToString("N")[..6];
        File.WriteAllText(dir.File("config/subscribe/fg.conf"), $"broker {mosquitto.Url}\nexchange {exchange}\nsubtopic #\ndirectory {dir.File("dest")}\nmirror on\nmessageCountMax 10\n");
        var command = $"dotnet '{CliFlowTests.Sluice}' foreground subscribe/fg";
        using var process = ProgressDisplayTests.OnPseudoTerminal(command, new Dictionary<string, string> { ["SLUICE_CONFIG_DIR"] = dir.File("config"), ["SLUICE_STATE_DIR"] = dir.File("state") });
        var terminal = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            // Announce the files until the flow has had its messageCountMax (it may subscribe after the first posts).
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (!process.HasExited && !timeout.IsCancellationRequested)
            {
                var post = CliFlowTests.Process(dir.File("config"), dir.File("state"), "post", "--post_broker", mosquitto.Url, "--post_exchange", exchange, "--post_baseUrl", "file://" + dir.File("source") + "/", "--post_baseDir", dir.File("source"), dir.File("source/obs"));
                Assert.True(post.Code == 0, post.Err);
                await Task.Delay(500);
            }

            Assert.True(process.HasExited, "the foreground flow did not reach its messageCountMax");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        await process.WaitForExitAsync();
        var screen = await terminal;
        Assert.True(process.ExitCode == 0, screen + await error);
        Assert.Contains("after_accept accepted:", screen);
        Assert.Matches(@"\u001b\[2Ksubscribe/fg: [1-9][0-9]* files, [0-9.]+ MiB, ", screen);
        Assert.True(File.Exists(dir.File("dest/obs/f4.bin")));
    }
}
