using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Sluice.Core.Config;

namespace Sluice.Cli;

/// <summary>
/// The <c>sluice</c> command line: parses, then calls Core. Everything here can be run from a test
/// without spawning a process. The configuration and state directories are given (the program gives
/// <see cref="SluicePaths.FromEnvironment"/>), never read from the environment here.
/// </summary>
internal static class SluiceCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<Stream> stdin, SluicePaths paths)
    {
        var root = Build(new CliContext(stdout, stderr, stdin), paths);
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return root.Parse(args).Invoke(config);
    }

    internal static RootCommand Build(CliContext context, SluicePaths paths)
    {
        SluicePaths Paths() => paths;
        var root = new RootCommand("Sluice: a data pump that speaks sr3 (MetPX-Sarracenia).");
        foreach (var option in root.Options)
        {
            if (option is VersionOption version)
            {
                version.Action = new PrintVersionAction(context.Out);
            }
        }

        root.Subcommands.Add(Commands.DecodeCommand.Create(context));
        root.Subcommands.Add(Commands.PostCommand.Create(context, Paths));
        root.Subcommands.Add(Commands.DemoCommand.Create(context));
        root.Subcommands.Add(Commands.ReportCommand.Create(context, Paths));
        root.Subcommands.Add(Commands.PumpCommand.Create(context, Paths));
        root.Subcommands.Add(Commands.ConvertCommand.Create(context, Paths));
        foreach (var command in Commands.ConfigCommands.Create(context, Paths))
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in Commands.BrokerCommands.Create(context, Paths))
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in Commands.DaemonCommands.Create(context, Paths))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>The version of Sluice itself, whichever program hosts this assembly.</summary>
    internal static string Version =>
        typeof(SluiceCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
            ?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private sealed class PrintVersionAction(TextWriter output) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            output.WriteLine(Version);
            return 0;
        }
    }
}
