using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Logging;
using Sluice.Core.Messages;
using Sluice.Core.Tests.Flows;
using Sluice.Core.Work;
using Sluice.Tests.Servers;

namespace Sluice.Core.Tests.Components;

/// <summary><c>callback run</c>: real commands run at flow points, with the file and the message in their environment.</summary>
public class RunCallbackTests
{
    private sealed record Run(Flow Flow, MemoryInput Input, MemoryOutput Output, MemoryOutput Reports, StringWriter Log, string Destination, string State);

    /// <summary>A subscribe configured by <paramref name="options"/>, fed file:// messages for the files under <c>src</c>.</summary>
    private static async Task<Run> RunAsync(TempDirectory dir, string options, params (string Name, string Content)[] files)
    {
        Directory.CreateDirectory(dir.File("src"));
        var input = new MemoryInput();
        foreach (var (name, content) in files)
        {
            File.WriteAllText(dir.File("src/" + name), content);
            input.Add(new NotificationMessage(SrTime.Format(DateTimeOffset.UtcNow), "file://" + dir.File("src") + "/", name) { Size = content.Length });
        }

        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var config = ConfigLoader.LoadText("subscribe", "scan", $"broker mqtt://127.0.0.1:1/\ndirectory {dir.File("dst")}\n{options}\n");
        var settings = ConfigMapping.ToSettings(config, paths, CredentialStore.Empty, 1);
        var log = new StringWriter();
        using var provider = new TextWriterLoggerProvider(log);
        var logger = provider.CreateLogger("subscribe");
        var output = new MemoryOutput();
        var reports = new MemoryOutput();
        await using var work = new DownloadWork(settings.Download!);
        var flow = new Flow(settings.Flow with { ReceiveWait = TimeSpan.FromMilliseconds(10), Report = true }, input, work, output, logger, null, settings.Filter, settings.Callbacks, reports);
        using var timeout = new CancellationTokenSource(Patience.Delivery);
        await flow.RunAsync(timeout.Token);
        return new Run(flow, input, output, reports, log, dir.File("dst"), paths.FlowState("subscribe", "scan"));
    }

    [Fact]
    public async Task Run_work_item_runs_after_each_file_arrives_with_its_path_and_message_fields()
    {
        using var dir = new TempDirectory();
        var record = dir.File("triggered.txt");
        var script = $"echo \"$1|$SLUICE_FILE|$SLUICE_MSG_relPath|$SLUICE_MSG_size|$SLUICE_EVENT|$SLUICE_FLOW\" >> {record}; echo said-$SLUICE_MSG_relPath; echo complained >&2";
        var run = await RunAsync(dir, $"callback run\nrun_work_item /bin/sh -c '{script}' trigger", ("a.txt", "aaa"), ("b.txt", "bbbbb"));

        var lines = File.ReadAllLines(record).Order(StringComparer.Ordinal).ToArray();
        var a = Path.Combine(run.Destination, "a.txt");
        var b = Path.Combine(run.Destination, "b.txt");
        Assert.Equal([$"{a}|{a}|a.txt|3|after_work|subscribe/scan", $"{b}|{b}|b.txt|5|after_work|subscribe/scan"], lines);
        Assert.Equal(2, run.Output.Published.Count);
        var log = run.Log.ToString();
        Assert.Contains("said-a.txt", log);
        Assert.Contains("run stderr:", log);
        Assert.Contains("complained", log);
        Assert.Contains("after_work run ok:", log);
    }

    [Fact]
    public async Task A_file_failing_the_scan_is_quarantined_reported_and_not_announced()
    {
        using var dir = new TempDirectory();
        var run = await RunAsync(
            dir,
            "callback run\nrun_scan_item /bin/sh -c 'if grep -q EICAR \"$1\"; then echo infected: $SLUICE_MSG_relPath; exit 3; fi' scan",
            ("clean.txt", "fine data"),
            ("bad.txt", "contains EICAR here"));

        Assert.Equal(["clean.txt"], run.Output.Published.Select(m => m.RelPath));
        Assert.True(File.Exists(Path.Combine(run.Destination, "clean.txt")));
        Assert.False(File.Exists(Path.Combine(run.Destination, "bad.txt")));
        var quarantined = Path.Combine(run.State, "quarantine", "bad.txt");
        Assert.Equal("contains EICAR here", File.ReadAllText(quarantined));
        var report = Assert.Single(run.Reports.Published, r => r.RelPath == "bad.txt");
        Assert.Equal(ReportCodes.Quarantined, report.Report!.Code);
        Assert.Contains("scan exited 3", report.Report.Message);
        Assert.Equal(201, Assert.Single(run.Reports.Published, r => r.RelPath == "clean.txt").Report!.Code);
        var log = run.Log.ToString();
        Assert.Contains($"after_work quarantined: {Path.Combine(run.Destination, "bad.txt")} (scan exited 3), moved to {quarantined}; not announced", log);
        Assert.Contains("infected: bad.txt", log);
        Assert.Equal(2, run.Input.Acked.Count);
    }

    [Fact]
    public async Task A_scan_over_run_timeout_is_killed_and_the_file_quarantined_in_the_configured_directory()
    {
        using var dir = new TempDirectory();
        var run = await RunAsync(dir, $"callback run\nrun_scan_item /bin/sh -c 'sleep 30' scan\nrun_timeout 1\nrun_quarantine {dir.File("held")}", ("slow.txt", "x"));

        Assert.Empty(run.Output.Published);
        Assert.True(File.Exists(dir.File("held/slow.txt")));
        Assert.True(run.Log.ToString().Contains("run timed out after 1s (killed)", StringComparison.Ordinal), run.Log.ToString());
        Assert.Contains("scan timed out", Assert.Single(run.Reports.Published).Report!.Message);
    }

    [Fact]
    public async Task Run_start_and_run_stop_run_once_and_a_missing_program_is_logged_not_fatal()
    {
        using var dir = new TempDirectory();
        var marks = dir.File("marks");
        var run = await RunAsync(dir, $"flowcb sarracenia.flowcb.run.Run\nrun_start /bin/sh -c 'echo start >> {marks}'\nrun_stop /bin/sh -c 'echo stop >> {marks}'\nrun_work_item /nonexistent/program", ("a.txt", "a"));

        Assert.Equal(["start", "stop"], File.ReadAllLines(marks));
        Assert.Single(run.Output.Published);
        Assert.Contains("could not run /nonexistent/program", run.Log.ToString());
    }

    [Fact]
    public void Callback_run_without_a_command_and_an_unknown_callback_are_configuration_errors()
    {
        using var dir = new TempDirectory();
        var paths = new SluicePaths(dir.File("config"), dir.File("state"));
        var bare = ConfigLoader.LoadText("subscribe", "x", "broker mqtt://127.0.0.1:1/\ncallback run\n");
        Assert.Contains("no command given", Assert.Throws<ConfigException>(() => ConfigMapping.ToSettings(bare, paths, CredentialStore.Empty, 1)).Message);
        var unknown = ConfigLoader.LoadText("subscribe", "x", "broker mqtt://127.0.0.1:1/\ncallback nosuch.thing\nrun_work_item /bin/true\n");
        Assert.Contains("unknown callback 'nosuch.thing'", Assert.Throws<ConfigException>(() => ConfigMapping.ToSettings(unknown, paths, CredentialStore.Empty, 1)).Message);
        Assert.Equal(["a b", "c", "d e"], RunCallback.SplitCommand("'a b' c \"d e\""));
    }
}
