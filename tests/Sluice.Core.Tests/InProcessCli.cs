using System.Text;
using Sluice.Cli;
using Sluice.Core.Config;

namespace Sluice.Core.Tests;

/// <summary>The <c>sluice</c> command line run in this process, as the program runs it, but with the directories given.</summary>
internal static class InProcessCli
{
    /// <summary>Runs <paramref name="args"/> with <paramref name="paths"/> as the configuration and state directories, <paramref name="stdin"/> as input.</summary>
    public static (int Code, string Out, string Err) Run(SluicePaths paths, string[] args, string stdin = "")
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = SluiceCommand.Run(args, stdout, stderr, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)), paths);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Runs <paramref name="args"/> with no configuration and a state directory of its own (a post keeps its retry queues
    /// there), both removed afterwards.
    /// </summary>
    public static (int Code, string Out, string Err) Run(string[] args, string stdin = "")
    {
        using var dir = new TempDirectory();
        return Run(new SluicePaths(dir.File("config"), dir.File("state")), args, stdin);
    }
}
