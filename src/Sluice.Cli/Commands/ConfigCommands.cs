using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Sluice.Core.Brokers;
using Sluice.Core.Config;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice list|show|add|remove|enable|disable|edit</c>: the configuration files, as sr3's verbs.</summary>
internal static class ConfigCommands
{
    public static IEnumerable<Command> Create(CliContext context, Func<SluicePaths> paths)
    {
        var listComponent = new Argument<string?>("component") { Arity = ArgumentArity.ZeroOrOne, Description = "Only this component." };
        var list = new Command("list", "List configurations (disabled ones marked).") { listComponent };
        list.SetAction(r =>
        {
            foreach (var (component, name, enabled) in paths().List(r.GetValue(listComponent)))
            {
                context.Out.WriteLine(enabled ? $"{component}/{name}" : $"{component}/{name} (disabled)");
            }

            return 0;
        });
        yield return list;

        var showFlow = new Argument<string>("flow") { Description = "component/config" };
        var json = new Option<bool>("--json") { Description = "Print as JSON with sr3's option names as keys." };
        var show = new Command("show", "Print the fully resolved configuration (passwords never shown).") { showFlow, json };
        show.SetAction(r => Show(context, paths(), r.GetValue(showFlow)!, r.GetValue(json)));
        yield return show;

        var addFlow = new Argument<string>("flow") { Description = "component/config" };
        var addFrom = new Argument<string?>("file") { Arity = ArgumentArity.ZeroOrOne, Description = "A file to copy in (default: an empty configuration)." };
        var add = new Command("add", "Add a configuration (copying a file in).") { addFlow, addFrom };
        add.SetAction(r => WithFlow(context, r.GetValue(addFlow)!, (c, n) =>
        {
            var target = paths().ConfigFile(c, n);
            if (File.Exists(target) || File.Exists(target + ".off"))
            {
                context.Error.WriteLine($"sluice add: {c}/{n} exists already ({target})");
                return 1;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (r.GetValue(addFrom) is { } from)
            {
                if (!File.Exists(from))
                {
                    context.Error.WriteLine($"sluice add: no such file {from}");
                    return 1;
                }

                File.Copy(from, target);
            }
            else
            {
                File.WriteAllText(target, $"# {c}/{n}\n");
            }

            context.Out.WriteLine($"added {c}/{n}: {target}");
            return 0;
        }));
        yield return add;

        yield return Rename(context, paths, "remove", "Remove a configuration.", (file, c, n) =>
        {
            foreach (var f in new[] { file, file + ".off" }.Where(File.Exists))
            {
                File.Delete(f);
            }

            return $"removed {c}/{n}";
        });
        yield return Rename(context, paths, "disable", "Disable a configuration (renamed to .conf.off).", (file, c, n) =>
        {
            File.Move(file, file + ".off");
            return $"disabled {c}/{n}";
        }, mustBeEnabled: true);
        yield return Rename(context, paths, "enable", "Enable a disabled configuration.", (file, c, n) =>
        {
            File.Move(file + ".off", file);
            return $"enabled {c}/{n}";
        }, mustBeDisabled: true);

        var editFlow = new Argument<string>("flow") { Description = "component/config" };
        var edit = new Command("edit", "Open a configuration in $EDITOR.") { editFlow };
        edit.SetAction(r => WithFlow(context, r.GetValue(editFlow)!, (c, n) =>
        {
            var file = paths().ConfigFile(c, n);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var editor = Environment.GetEnvironmentVariable("EDITOR") ?? "vi";
            using var process = Process.Start(new ProcessStartInfo(editor, [file]) { UseShellExecute = false });
            process?.WaitForExit();
            return process?.ExitCode ?? 1;
        }));
        yield return edit;
    }

    private static Command Rename(CliContext context, Func<SluicePaths> paths, string verb, string description, Func<string, string, string, string> act, bool mustBeEnabled = false, bool mustBeDisabled = false)
    {
        var flow = new Argument<string>("flow") { Description = "component/config" };
        var command = new Command(verb, description) { flow };
        command.SetAction(r => WithFlow(context, r.GetValue(flow)!, (c, n) =>
        {
            var file = paths().ConfigFile(c, n);
            var enabled = File.Exists(file);
            var disabled = File.Exists(file + ".off");
            if ((!enabled && !disabled) || (mustBeEnabled && !enabled) || (mustBeDisabled && !disabled))
            {
                context.Error.WriteLine($"sluice {verb}: {c}/{n} {(enabled || disabled ? (enabled ? "is enabled" : "is disabled") : "does not exist")}");
                return 1;
            }

            context.Out.WriteLine(act(file, c, n));
            return 0;
        }));
        return command;
    }

    private static int WithFlow(CliContext context, string text, Func<string, string, int> action) =>
        FlowName.TryParse(text, context.Error, out var component, out var name) ? action(component, name) : 1;

    private static int Show(CliContext context, SluicePaths paths, string text, bool asJson) => WithFlow(context, text, (component, name) =>
    {
        FlowConfig config;
        try
        {
            config = ConfigLoader.Load(paths, component, name);
        }
        catch (ConfigException ex)
        {
            context.Error.WriteLine(ex.Message);
            return 1;
        }

        foreach (var warning in config.Warnings)
        {
            context.Error.WriteLine(warning);
        }

        if (asJson)
        {
            context.Out.WriteLine(ToJson(config));
            return 0;
        }

        foreach (var (key, value) in config.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            // An option Sluice does not apply is marked, with why.
            var mark = OptionSupport.Find(key) is { } notApplied && !notApplied.IsHarmless(value) ? $"    # not applied: {notApplied.Reason}" : string.Empty;
            context.Out.WriteLine($"{key} {Display(key, value)}{mark}");
        }

        foreach (var binding in config.Bindings)
        {
            context.Out.WriteLine($"binding {binding.Exchange} {binding.TopicPrefix} {binding.Subtopic}");
        }

        foreach (var mask in config.Masks)
        {
            context.Out.WriteLine($"{(mask.Accept ? "accept" : "reject")} {mask.Pattern} (directory {mask.Directory ?? "-"}, mirror {(mask.Mirror ? "on" : "off")}, strip {mask.Strip ?? "0"}, flatten {mask.Flatten}{(mask.Filename is { } filename ? $", filename {filename}" : string.Empty)})");
        }

        foreach (var callback in config.Callbacks)
        {
            context.Out.WriteLine($"callback {callback}");
        }

        foreach (var (key, value) in config.Headers)
        {
            context.Out.WriteLine($"header {key}={value}");
        }

        return 0;
    });

    private static string Display(string key, object value) => value switch
    {
        string s when key.Contains("broker", StringComparison.Ordinal) || s.Contains("://", StringComparison.Ordinal) => ShowUrl(s),
        bool b => b ? "on" : "off",
        TimeSpan t => t.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + "s",
        int octal when key.StartsWith("perm", StringComparison.Ordinal) => Convert.ToString(octal, 8),
        string[] list => string.Join(',', list),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>
    /// A URL as <c>show</c> prints it: never its password, and a broker URL with the user it logs in as (sr3's
    /// <c>anonymous</c> when it names none), as <c>sr3 show</c> does.
    /// </summary>
    private static string ShowUrl(string url)
    {
        try
        {
            var parsed = BrokerUrl.Parse(url);
            if (BrokerUrl.IsBrokerScheme(parsed.Scheme))
            {
                return (parsed with { User = parsed.EffectiveUser, Password = null }).ToString();
            }
        }
        catch (FormatException)
        {
        }

        return BrokerUrl.Redact(url);
    }

    /// <summary>The resolved configuration as JSON, with sr3's option names, so tools can compare it with what sr3 resolves.</summary>
    internal static string ToJson(FlowConfig config)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("component", config.Component);
            w.WriteString("config", config.Name);
            foreach (var (key, value) in config.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                switch (value)
                {
                    case string s when key.Contains("broker", StringComparison.Ordinal) || key is "admin" or "feeder":
                        w.WriteString(key, ShowUrl(s).Replace(":***@", "@", StringComparison.Ordinal));
                        break;
                    case string s:
                        w.WriteString(key, BrokerUrl.Redact(s));
                        break;
                    case bool b:
                        w.WriteBoolean(key, b);
                        break;
                    case long l:
                        w.WriteNumber(key, l);
                        break;
                    case int i:
                        w.WriteNumber(key, i);
                        break;
                    case double d:
                        w.WriteNumber(key, d);
                        break;
                    case TimeSpan t:
                        w.WriteNumber(key, t.TotalSeconds);
                        break;
                    case string[] list:
                        w.WriteStartArray(key);
                        foreach (var item in list)
                        {
                            w.WriteStringValue(item);
                        }

                        w.WriteEndArray();
                        break;
                }
            }

            w.WriteStartArray("bindings");
            foreach (var b in config.Bindings)
            {
                w.WriteStartArray();
                w.WriteStringValue(b.Exchange);
                w.WriteStringValue(b.TopicPrefix);
                w.WriteStringValue(b.Subtopic);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteStartArray("masks");
            foreach (var m in config.Masks)
            {
                w.WriteStartObject();
                w.WriteString(m.Accept ? "accept" : "reject", m.Pattern);
                w.WriteString("directory", m.Directory);
                w.WriteBoolean("mirror", m.Mirror);
                w.WriteString("strip", m.Strip);
                w.WriteString("flatten", m.Flatten);
                w.WriteString("filename", m.Filename);
                w.WriteString("file", m.File);
                w.WriteNumber("line", m.Line);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("callbacks");
            foreach (var c in config.Callbacks)
            {
                w.WriteStringValue(c);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
