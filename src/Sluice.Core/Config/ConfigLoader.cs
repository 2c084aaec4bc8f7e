using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sluice.Core.Config;

/// <summary>
/// Resolves a configuration as sr3 does: component defaults, then <c>default.conf</c>, then the file; options in
/// order, with <c>directory</c>, <c>mirror</c>, <c>strip</c>, <c>flatten</c> and <c>rename</c> applying to the
/// <c>accept</c> lines after them, <c>exchange</c> and <c>topicPrefix</c> to the <c>subtopic</c> lines after them.
/// Reports every error at once (<c>file:line: message</c>); unknown options are warnings.
/// </summary>
public static class ConfigLoader
{
    /// <summary>
    /// Loads <c>component/name</c> from the configuration directory; <c>defaults</c> are entries that come after the
    /// component's defaults and before <c>default.conf</c> (the daemon's default broker).
    /// </summary>
    /// <exception cref="ConfigException">The file is missing or has errors (all of them).</exception>
    public static FlowConfig Load(SluicePaths paths, string component, string name, Variables.Context? context = null, IEnumerable<ConfigEntry>? defaults = null)
    {
        var file = paths.ConfigFile(component, name);
        if (!File.Exists(file))
        {
            var disabled = file + ".off";
            throw new ConfigException([new ConfigDiagnostic(file, 0, true, File.Exists(disabled) ? $"{component}/{name} is disabled (sluice enable {component}/{name})" : "no such configuration")]);
        }

        var diagnostics = new List<ConfigDiagnostic>();
        var entries = new List<ConfigEntry>(ComponentDefaults.For(component));
        entries.AddRange(defaults ?? []);
        if (File.Exists(paths.DefaultFile))
        {
            entries.AddRange(ConfigParser.Read(paths.DefaultFile, diagnostics, paths.ConfigDirectory));
        }

        entries.AddRange(ConfigParser.Read(file, diagnostics, paths.ConfigDirectory));
        return Resolve(component, name, file, entries, diagnostics, context ?? Variables.Context.Environment());
    }

    /// <summary>Resolves configuration text (a file not on disk, or tests).</summary>
    public static FlowConfig LoadText(string component, string name, string text, Variables.Context? context = null, string? directory = null)
    {
        var diagnostics = new List<ConfigDiagnostic>();
        var file = Path.Combine(directory ?? Directory.GetCurrentDirectory(), name + ".conf");
        var entries = new List<ConfigEntry>(ComponentDefaults.For(component));
        entries.AddRange(ConfigParser.ReadText(text, file, diagnostics, directory));
        return Resolve(component, name, file, entries, diagnostics, context ?? Variables.Context.Environment());
    }

    /// <summary>
    /// Resolves a configuration file anywhere (sr3's examples, a file given on the command line): named after the file,
    /// its includes found beside it or in <paramref name="includeDirectory"/> (as in the configuration directory); errors
    /// name the file itself.
    /// </summary>
    /// <exception cref="ConfigException">The file has errors (all of them).</exception>
    public static FlowConfig LoadFile(string component, string file, Variables.Context? context = null, string? includeDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var diagnostics = new List<ConfigDiagnostic>();
        var entries = new List<ConfigEntry>(ComponentDefaults.For(component));
        entries.AddRange(ConfigParser.Read(file, diagnostics, includeDirectory));
        return Resolve(component, Path.GetFileNameWithoutExtension(file), file, entries, diagnostics, context ?? Variables.Context.Environment());
    }

    private static FlowConfig Resolve(string component, string name, string file, List<ConfigEntry> entries, List<ConfigDiagnostic> diagnostics, Variables.Context context)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        var bindings = new List<BindingConfig>();
        var masks = new List<Mask>();
        var callbacks = new List<ConfigEntry>();
        var prepended = new List<ConfigEntry>();
        var headers = new List<KeyValuePair<string, string>>();
        var settings = new List<KeyValuePair<string, string>>();
        var declarations = new List<KeyValuePair<string, string>>();
        var unresolved = new Dictionary<string, ConfigDiagnostic>(StringComparer.Ordinal);
        var sources = new Dictionary<string, ConfigEntry>(StringComparer.Ordinal);
        var hostname = System.Net.Dns.GetHostName();
        context = context.With("PROGRAM", component).With("CONFIG", name).With("HOSTNAME", hostname)
            .With("RANDID", RandomNumberGenerator.GetInt32(0, 1 << 24).ToString("x6", CultureInfo.InvariantCulture));

        foreach (var entry in entries)
        {
            var raw = entry.Value;
            var value = Variables.IsPerMessage(raw) && (entry.Option is "directory" or "post_baseDir" or "filename" or "rename" || (component == "poll" && entry.Option == "path")) ? raw : Variables.Expand(raw, context);
            void Error(string message) => diagnostics.Add(new ConfigDiagnostic(entry.File, entry.Line, true, $"{entry.WrittenAs}: {message}"));
            void Warning(string message) => diagnostics.Add(new ConfigDiagnostic(entry.File, entry.Line, false, message));

            if (Options.V2PluginOptions.Contains(entry.Option))
            {
                // Running the flow without the plugin would do something else than the configuration asks: it stops the
                // flow (show and convert still read the file).
                var message = $"{entry.WrittenAs} {raw}: a v2 plugin, which Sluice does not run; convert it to a callback or a run_* command (sluice convert reports what each needs)";
                Warning(message);
                unresolved[$"v2 plugin {entry.File}:{entry.Line}"] = new ConfigDiagnostic(entry.File, entry.Line, true, message);
                continue;
            }

            var known = Options.Lookup(entry.Option);
            if (known is null)
            {
                Warning($"unknown option {entry.WrittenAs} (ignored)");
                continue;
            }

            var (option, kind) = known.Value;
            unresolved.Remove(option);
            if (kind != OptionKind.Special && value.Contains("${", StringComparison.Ordinal) && !Variables.IsPerMessage(value))
            {
                // sr3 leaves an undefined variable as written; the value is checked when the flow starts.
                var message = $"{entry.WrittenAs}: {value} has a variable with no value (set it in the environment or with declare env)";
                Warning(message);
                unresolved[option] = new ConfigDiagnostic(entry.File, entry.Line, true, message);
                values[option] = value;
                sources[option] = entry;
                continue;
            }

            switch (kind)
            {
                case OptionKind.Special:
                    switch (option)
                    {
                        case "accept" or "reject":
                            if (value.Length == 0)
                            {
                                Error("needs a regular expression");
                                break;
                            }

                            // sr3 splits the line on blanks: the pattern, then the accept's own filename keywords.
                            var words = value.Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
                            var maskFilename = words.Length > 1 ? words[1] : values.GetValueOrDefault("filename") as string;
                            if (words.Length > 1 && !Placing.Contains(component))
                            {
                                Error($"{words[1]}: a file name after the pattern {Placing.Refusal(component)}");
                                break;
                            }

                            if (words.Length > 1 && Flows.Placement.CheckFilename(words[1]) is { } badFilename)
                            {
                                Error(badFilename);
                                break;
                            }

                            try
                            {
                                masks.Add(new Mask(words[0], option == "accept", values.GetValueOrDefault("directory") as string,
                                    values.GetValueOrDefault("mirror") is true, values.GetValueOrDefault("strip") as string,
                                    values.GetValueOrDefault("flatten") as string ?? "/", maskFilename == "None" ? null : maskFilename,
                                    entry.File, entry.Line));
                            }
                            catch (ArgumentException ex)
                            {
                                Error($"not a regular expression: {ex.Message}");
                            }

                            break;
                        case "subtopic":
                            bindings.Add(new BindingConfig(ExchangeOf(values), values.GetValueOrDefault("topicPrefix") as string ?? "v03", value.Length == 0 ? "#" : value));
                            break;
                        case "declare":
                            var parts = value.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                            if (parts.Length == 2 && parts[0] == "env")
                            {
                                var eq = parts[1].IndexOf('=', StringComparison.Ordinal);
                                if (eq <= 0)
                                {
                                    Error("declare env needs NAME=value");
                                    break;
                                }

                                context = context.With(parts[1][..eq].Trim(), parts[1][(eq + 1)..].Trim());
                            }
                            else if (parts.Length == 2)
                            {
                                declarations.Add(new(parts[0], parts[1]));
                            }
                            else
                            {
                                Error("declare needs a kind and a value (declare env NAME=value, declare source USER, ...)");
                            }

                            break;
                        case "set":
                            var setParts = value.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
                            settings.Add(new(setParts.Length > 0 ? setParts[0] : string.Empty, setParts.Length > 1 ? setParts[1] : string.Empty));
                            break;
                        case "callback" or "flowCallback" or "flowcb" or "import":
                            // sr3 names a callback once, however often it is written.
                            if (!callbacks.Any(c => c.Value == value))
                            {
                                callbacks.Add(entry with { Value = value });
                            }

                            break;
                        case "callback_prepend" or "flowCallbackPrepend":
                            if (!prepended.Any(c => c.Value == value))
                            {
                                prepended.Insert(0, entry with { Value = value });
                            }

                            break;
                    }

                    break;
                case OptionKind.Flag:
                    if (!ConfigValues.TryFlag(value, out var flag))
                    {
                        Error($"'{value}' is not on/off/yes/no/true/false");
                        break;
                    }

                    if (option is "no_download" or "notify_only")
                    {
                        values["download"] = !flag;
                    }
                    else
                    {
                        values[option] = flag;
                    }

                    break;
                case OptionKind.Count:
                    if (!ConfigValues.TryCount(value, out var count))
                    {
                        Error($"'{value}' is not a count");
                        break;
                    }

                    values[option] = count;
                    break;
                case OptionKind.Size:
                    if (!ConfigValues.TryCount(value, out var size) || size < 0)
                    {
                        Error($"'{value}' is not a size (a number with k, m or g; b for base 2)");
                        break;
                    }

                    values[option] = size;
                    break;
                case OptionKind.Duration:
                    if (!ConfigValues.TryDuration(value, out var duration))
                    {
                        Error($"'{value}' is not a duration (seconds, or a number with s, m, h, d or w)");
                        break;
                    }

                    values[option] = duration;
                    break;
                case OptionKind.Float:
                    if (!ConfigValues.TryFloat(value, out var number))
                    {
                        Error($"'{value}' is not a number");
                        break;
                    }

                    values[option] = number;
                    break;
                case OptionKind.Octal:
                    if (!ConfigValues.TryOctal(value, out var octal))
                    {
                        Error($"'{value}' is not an octal permission (such as 644)");
                        break;
                    }

                    values[option] = octal;
                    break;
                case OptionKind.List:
                    // path and msgToClusters add up line after line (sr3's list options); the others replace.
                    values[option] = option is "path" or "msgToClusters" && values.TryGetValue(option, out var existing) && existing is string[] paths && entry.File != $"<{component} defaults>"
                        ? [.. paths, .. Split(value)]
                        : Split(value);
                    break;
                case OptionKind.Set:
                    values[option] = ApplySet(values.GetValueOrDefault(option) as string[], value);
                    break;
                default:
                    if (option == "header")
                    {
                        var eq = value.IndexOf('=', StringComparison.Ordinal);
                        if (eq <= 0)
                        {
                            Error("header needs name=value");
                        }
                        else if (Flows.MessageFields.Reserved.Contains(value[..eq].Trim()))
                        {
                            Error($"{value[..eq].Trim()} is a field the flow sets from the file itself; a header cannot fix it");
                        }
                        else
                        {
                            headers.Add(new(value[..eq].Trim(), value[(eq + 1)..].Trim()));
                        }

                        break;
                    }

                    if (option is "rename" or "filename" && value == "None")
                    {
                        // sr3 reads None as no value.
                        values.Remove(option);
                        break;
                    }

                    if (option == "rename" && component is not ("post" or "watch" or "poll"))
                    {
                        Error($"names the files a post, watch or poll announces (their messages' rename field); a {component} does nothing with it in sr3: use filename DESTFN=name, or accept <pattern> DESTFN=name");
                        break;
                    }

                    if (option is "flatten" or "filename" && !Placing.Contains(component))
                    {
                        Error(Placing.Refusal(component));
                        break;
                    }

                    if (option == "filename" && Flows.Placement.CheckFilename(value) is { } badName)
                    {
                        Error(badName);
                        break;
                    }

                    if (option == "nodupe_basis" && value is not ("path" or "name" or "data"))
                    {
                        Error($"'{value}' is not path, name or data");
                        break;
                    }

                    if (option == "post_format" && value is not ("v02" or "v03" or "wis" or "v04"))
                    {
                        Error($"'{value}' is not v02, v03 or wis");
                        break;
                    }

                    if (option == "identity")
                    {
                        try
                        {
                            value = Checksums.IdentitySetting.Parse(LegacyIdentity(value)).ToString();
                        }
                        catch (FormatException ex)
                        {
                            Error(ex.Message);
                            break;
                        }
                    }

                    if (option is "broker" or "post_broker")
                    {
                        try
                        {
                            var url = Brokers.BrokerUrl.Parse(value);
                            if (option == "broker")
                            {
                                context = context.With("BROKER_USER", url.User ?? "anonymous");
                            }
                            else
                            {
                                context = context.With("POST_BROKER_USER", url.User ?? "anonymous");
                            }
                        }
                        catch (FormatException ex)
                        {
                            Error(ex.Message);
                            break;
                        }
                    }

                    if (option == "directory")
                    {
                        context = context.With("BD", value);
                    }
                    else if (option == "post_baseDir")
                    {
                        context = context.With("PBD", value);
                    }

                    values[option] = value;
                    break;
            }

            var setOption = option is "no_download" or "notify_only" ? "download" : option;
            if (kind != OptionKind.Special && values.ContainsKey(setOption))
            {
                sources[setOption] = entry;
            }

            // An option Sluice does not apply: a warning when the file is read, and for a refused one an error that stops
            // the flow when it is built (show still prints the file, marking it).
            unresolved.Remove("not applied " + option);
            if (!entry.File.StartsWith('<') && values.TryGetValue(option, out var set) && OptionSupport.Check(option, set, entry.File, entry.Line, entry.WrittenAs) is { } notApplied)
            {
                diagnostics.Add(notApplied with { IsError = false });
                if (notApplied.IsError)
                {
                    unresolved["not applied " + option] = notApplied;
                }
            }
        }

        if (bindings.Count == 0 && values.ContainsKey("broker") && component is not ("post" or "watch" or "poll"))
        {
            bindings.Add(new BindingConfig(ExchangeOf(values), values.GetValueOrDefault("topicPrefix") as string ?? "v03", "#"));
        }

        // sr3's defaults that depend on other options: the exchanges follow the broker users.
        if (values.ContainsKey("broker") && !values.ContainsKey("exchange"))
        {
            values["exchange"] = ExchangeOf(values);
        }

        if (values.GetValueOrDefault("post_broker") is string postBroker && !values.ContainsKey("post_exchange"))
        {
            var postExchange = DefaultExchange(postBroker);
            values["post_exchange"] = values.GetValueOrDefault("post_exchangeSuffix") is string suffix ? $"{postExchange}_{suffix}" : postExchange;
        }

        var errors = diagnostics.Where(d => d.IsError).ToList();
        if (errors.Count > 0)
        {
            throw new ConfigException(errors);
        }

        var fingerprintText = new StringBuilder();
        foreach (var (key, v) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            fingerprintText.Append(key).Append('=').Append(v is string[] list ? string.Join(',', list) : Convert.ToString(v, CultureInfo.InvariantCulture)).Append('\n');
        }

        foreach (var item in bindings.Cast<object>().Concat(masks.Select(m => (object)(m.Pattern, m.Accept, m.Directory, m.Mirror, m.Strip, m.Flatten, m.Filename))).Concat(callbacks.Select(c => c.Value)).Concat(prepended.Select(c => c.Value)).Concat(headers.Cast<object>()))
        {
            fingerprintText.Append(item).Append('\n');
        }

        return new FlowConfig
        {
            Component = component,
            Name = name,
            File = file,
            Values = values,
            Bindings = bindings,
            Masks = masks,
            Callbacks = [.. prepended.Select(c => c.Value), .. callbacks.Select(c => c.Value)],
            CallbackLines = [.. prepended, .. callbacks],
            Unresolved = [.. unresolved.Values],
            Sources = sources,
            Headers = headers,
            Settings = settings,
            Declarations = declarations,
            Warnings = diagnostics.Where(d => !d.IsError).ToList(),
            Fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprintText.ToString()))),
        };
    }

    /// <summary>The components that write the files they accept, where <c>flatten</c> and <c>filename</c> place them.</summary>
    private static class Placing
    {
        private static readonly HashSet<string> Components = new(["subscribe", "sarra", "sender", "flow"], StringComparer.Ordinal);

        public static bool Contains(string component) => Components.Contains(component);

        public static string Refusal(string component) =>
            $"names the files where they are written (subscribe, sarra, sender); a {component} writes no file, so it would do nothing";
    }

    /// <summary>
    /// The exchange in force, as sr3 resolves it: <c>exchange</c> when given, else <c>xpublic</c> for an anonymous broker
    /// user and <c>xs_&lt;user&gt;</c> otherwise; <c>exchangeSuffix</c> is appended as <c>_&lt;suffix&gt;</c>.
    /// </summary>
    internal static string ExchangeOf(IReadOnlyDictionary<string, object> values)
    {
        var exchange = values.GetValueOrDefault("exchange") as string ?? DefaultExchange(values.GetValueOrDefault("broker") as string);
        return values.GetValueOrDefault("exchangeSuffix") is string suffix ? $"{exchange}_{suffix}" : exchange;
    }

    /// <summary><c>xpublic</c> for no user or <c>anonymous</c>, else <c>xs_&lt;user&gt;</c> (sr3's default for exchange and post_exchange).</summary>
    internal static string DefaultExchange(string? brokerUrl)
    {
        string? user = null;
        if (brokerUrl is not null)
        {
            try
            {
                user = Brokers.BrokerUrl.Parse(brokerUrl).User;
            }
            catch (FormatException)
            {
                user = "${BROKER_USER}";
            }
        }

        return user is null or "anonymous" ? "xpublic" : $"xs_{user}";
    }

    private static string LegacyIdentity(string value) => value switch
    {
        "n" or "z,n" => "none",
        "s" => "sha512",
        "d" => "md5",
        "a" => "arbitrary",
        "r" or "0" => "random",
        "z,d" => "cod,md5",
        "z,s" => "cod,sha512",
        _ => value,
    };

    private static string[] Split(string value) => value.Split([',', ' ', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A set option: a plain list replaces; <c>+item</c> adds and <c>-item</c> removes, as sr3 allows.</summary>
    private static string[] ApplySet(string[]? current, string value)
    {
        var items = Split(value);
        if (items.Length > 0 && items.All(i => i[0] is '+' or '-'))
        {
            var set = new List<string>(current ?? []);
            foreach (var item in items)
            {
                if (item[0] == '+')
                {
                    if (!set.Contains(item[1..]))
                    {
                        set.Add(item[1..]);
                    }
                }
                else
                {
                    set.Remove(item[1..]);
                }
            }

            return [.. set];
        }

        return items.Length == 1 && items[0] == "all" ? ["all"] : items;
    }
}
