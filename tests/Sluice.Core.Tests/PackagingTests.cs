using System.Diagnostics;
using Sluice.Cli;

namespace Sluice.Core.Tests;

/// <summary><c>dotnet pack</c> of the CLI gives a .NET tool that <c>dotnet tool install</c> installs and that runs.</summary>
public class PackagingTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static async Task<(int Code, string Out, string Err)> RunAsync(string program, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await output, error);
    }

    [Fact]
    public async Task Pack_gives_a_tool_that_installs_from_a_local_source_and_runs()
    {
        using var dir = new TempDirectory();
        var feed = dir.File("feed");
        var project = Path.Combine(Fixtures.RepositoryRoot, "src", "Sluice.Cli", "Sluice.Cli.csproj");

        // The test project's build already built the CLI: pack that build, once.
        var pack = await RunAsync("dotnet", ["pack", project, "-c", Configuration, "--no-build", "-o", feed, "-nologo", "-v", "quiet"]);
        Assert.True(pack.Code == 0, pack.Out + pack.Err);
        var version = typeof(SluiceCommand).Assembly.GetName().Version!.ToString(3);
        Assert.True(File.Exists(Path.Combine(feed, $"Sluice.{version}.nupkg")), string.Join(", ", Directory.GetFiles(feed)));

        // Install from that directory alone: no other package source is consulted.
        var config = dir.File("nuget.config");
        File.WriteAllText(config, $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <add key=\"local\" value=\"{feed}\" />\n  </packageSources>\n</configuration>\n");
        var tools = dir.File("tools");
        var install = await RunAsync("dotnet", ["tool", "install", "Sluice", "--tool-path", tools, "--configfile", config]);
        Assert.True(install.Code == 0, install.Out + install.Err);

        var sluice = Path.Combine(tools, "sluice");
        var run = await RunAsync(sluice, ["--version"]);
        Assert.True(run.Code == 0, run.Out + run.Err);
        Assert.Equal(version, run.Out.Trim());

        var status = await RunAsync(sluice, ["status"], new Dictionary<string, string> { ["SLUICE_CONFIG_DIR"] = dir.File("config"), ["SLUICE_STATE_DIR"] = dir.File("state") });
        Assert.True(status.Code == 0, status.Out + status.Err);
        Assert.Contains("daemon: not running", status.Out);
    }
}
