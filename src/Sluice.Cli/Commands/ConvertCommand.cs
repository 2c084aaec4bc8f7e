using System.CommandLine;
using Sluice.Core.Config;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice convert</c>: imports an sr3 (<c>~/.config/sr3</c>) or v2 (<c>~/.config/sarra</c>) configuration tree:
/// copies every configuration, include and credentials file into Sluice's tree, then reads each one and reports
/// what could not be carried over (v2 plugins, unknown options, errors), by file and line.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create(CliContext context, Func<SluicePaths> paths)
    {
        var from = new Option<string?>("--from") { Description = "The tree to import (default: ~/.config/sr3, else ~/.config/sarra)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace configurations that exist already." };
        var command = new Command("convert", "Import an sr3 or v2 configuration tree, reporting what could not be carried over.") { from, overwrite };
        command.SetAction(r => Run(context, paths(), r.GetValue(from), r.GetValue(overwrite)));
        return command;
    }

    private static readonly string[] TopFiles = ["credentials.conf", "default.conf", "admin.conf"];

    internal static int Run(CliContext context, SluicePaths paths, string? from, bool overwrite)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var source = from ?? new[] { Path.Combine(home, ".config", "sr3"), Path.Combine(home, ".config", "sarra") }.FirstOrDefault(Directory.Exists);
        if (source is null || !Directory.Exists(source))
        {
            context.Error.WriteLine($"sluice convert: no tree to import ({from ?? "~/.config/sr3 or ~/.config/sarra"} not found)");
            return 1;
        }

        var imported = 0;
        var skipped = 0;
        var problems = 0;
        foreach (var file in TopFiles.Select(f => Path.Combine(source, f)).Where(File.Exists))
        {
            var target = Path.Combine(paths.ConfigDirectory, Path.GetFileName(file));
            if (Copy(file, target, overwrite))
            {
                imported++;
                if (Path.GetFileName(file) == "credentials.conf" && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
            else
            {
                skipped++;
            }
        }

        var copied = new List<(string Component, string Name)>();
        foreach (var dir in Directory.GetDirectories(source))
        {
            // v2 trees used sr_ prefixes in some places; the component is the directory name.
            var component = Path.GetFileName(dir).Replace("sr_", string.Empty, StringComparison.Ordinal);
            if (!SluicePaths.Components.Contains(component))
            {
                if (component is not ("plugins" or "cpump" or "cpost"))
                {
                    context.Out.WriteLine($"{dir}: not a component; left alone");
                }

                continue;
            }

            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (!name.EndsWith(".conf", StringComparison.Ordinal) && !name.EndsWith(".inc", StringComparison.Ordinal) && !name.EndsWith(".conf.off", StringComparison.Ordinal))
                {
                    continue;
                }

                if (Copy(file, Path.Combine(paths.ConfigDirectory, component, name), overwrite))
                {
                    imported++;
                    if (name.EndsWith(".conf", StringComparison.Ordinal))
                    {
                        copied.Add((component, name[..^5]));
                    }
                }
                else
                {
                    skipped++;
                }
            }
        }

        foreach (var (component, name) in copied)
        {
            try
            {
                var config = ConfigLoader.Load(paths, component, name);
                foreach (var warning in config.Warnings)
                {
                    context.Out.WriteLine(warning);
                    problems++;
                }
            }
            catch (ConfigException ex)
            {
                context.Out.WriteLine(ex.Message);
                problems += ex.Errors.Count;
            }
        }

        context.Out.WriteLine($"imported {imported} file(s) from {source} into {paths.ConfigDirectory}; {skipped} left as they were (exist already; --overwrite replaces them); {problems} thing(s) not carried over, listed above");
        return 0;
    }

    private static bool Copy(string from, string to, bool overwrite)
    {
        if (File.Exists(to) && !overwrite)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
        return true;
    }
}
