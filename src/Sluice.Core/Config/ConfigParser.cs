namespace Sluice.Core.Config;

/// <summary>
/// The first layer: reads sr3 configuration text into option entries with file and line, following
/// <c>include</c> (relative to the including file; loops refused) and collecting every problem rather than stopping
/// at the first.
/// </summary>
public static class ConfigParser
{
    /// <summary>Reads a file and what it includes.</summary>
    public static List<ConfigEntry> Read(string path, List<ConfigDiagnostic> diagnostics, string? searchDirectory = null)
    {
        var entries = new List<ConfigEntry>();
        Read(Path.GetFullPath(path), entries, diagnostics, [], searchDirectory, includedFrom: null);
        return entries;
    }

    /// <summary>Reads configuration text (for a file that is not on disk, or for tests).</summary>
    public static List<ConfigEntry> ReadText(string text, string name, List<ConfigDiagnostic> diagnostics, string? directory = null)
    {
        var entries = new List<ConfigEntry>();
        ParseLines(text.Split('\n'), name, directory ?? Directory.GetCurrentDirectory(), entries, diagnostics, [], directory);
        return entries;
    }

    private static void Read(string path, List<ConfigEntry> entries, List<ConfigDiagnostic> diagnostics, Stack<string> including, string? searchDirectory, (string File, int Line)? includedFrom)
    {
        if (including.Contains(path))
        {
            var from = includedFrom ?? (path, 0);
            diagnostics.Add(new ConfigDiagnostic(from.File, from.Line, true, $"include loop: {string.Join(" -> ", including.Reverse().Append(path))}"));
            return;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var from = includedFrom ?? (path, 0);
            diagnostics.Add(new ConfigDiagnostic(from.File, from.Line, true, $"cannot read {path}: {ex.Message}"));
            return;
        }

        including.Push(path);
        ParseLines(lines, path, Path.GetDirectoryName(path)!, entries, diagnostics, including, searchDirectory);
        including.Pop();
    }

    private static void ParseLines(string[] lines, string file, string directory, List<ConfigEntry> entries, List<ConfigDiagnostic> diagnostics, Stack<string> including, string? searchDirectory)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.IndexOfAny([' ', '\t']);
            var written = space < 0 ? line : line[..space];
            var value = space < 0 ? string.Empty : line[(space + 1)..].Trim();
            var known = Options.Lookup(written);
            var option = known?.Name ?? written;
            if (option == "include")
            {
                if (value.Length == 0)
                {
                    diagnostics.Add(new ConfigDiagnostic(file, i + 1, true, "include needs a file name"));
                    continue;
                }

                var target = FindInclude(value, directory, searchDirectory);
                if (target is null)
                {
                    diagnostics.Add(new ConfigDiagnostic(file, i + 1, true, $"included file {value} not found (looked in {directory}{(searchDirectory is null ? string.Empty : " and " + searchDirectory)})"));
                    continue;
                }

                Read(target, entries, diagnostics, including, searchDirectory, (file, i + 1));
                continue;
            }

            entries.Add(new ConfigEntry(option, value, file, i + 1, written));
        }
    }

    private static string? FindInclude(string name, string directory, string? searchDirectory)
    {
        var candidates = new List<string>();
        foreach (var dir in new[] { directory, searchDirectory }.OfType<string>())
        {
            candidates.Add(Path.Combine(dir, name));
            if (!name.EndsWith(".conf", StringComparison.Ordinal) && !name.EndsWith(".inc", StringComparison.Ordinal))
            {
                candidates.Add(Path.Combine(dir, name + ".inc"));
                candidates.Add(Path.Combine(dir, name + ".conf"));
            }
        }

        return candidates.Select(Path.GetFullPath).FirstOrDefault(File.Exists);
    }
}
