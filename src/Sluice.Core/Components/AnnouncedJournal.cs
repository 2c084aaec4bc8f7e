using System.Globalization;
using System.Text;
using Sluice.Core.Flows;

namespace Sluice.Core.Components;

/// <summary>
/// What a watch has announced and seen posted, on disk: each entry of its trees (size, mtime, directory or not)
/// as it was when its announcement was acknowledged. A watch that starts (the first time, after a failure, after
/// kill -9) compares its trees with this and announces what was created, changed or removed meanwhile.
/// </summary>
/// <remarks>
/// An append-only journal of <c>+</c> and <c>-</c> lines, rewritten compactly (by rename) when it opens and when it has
/// grown to twice what it holds. A line cut short by a crash is ignored: the entry is then announced again, never
/// lost. Nothing is fsynced; what a killed process wrote is in the kernel's care. Thread-safe: the watch records
/// what needs no message from its gather stage, and acknowledgements come from the flow's post stage.
/// </remarks>
internal sealed class AnnouncedJournal : IDisposable
{
    private readonly string _path;
    private readonly Dictionary<string, WatchEntry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private StreamWriter _writer = null!;
    private int _lines;

    /// <summary>Opens (or creates) the journal; only entries under <paramref name="roots"/> are kept.</summary>
    public AnnouncedJournal(string path, IReadOnlyList<string> roots)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        Existed = File.Exists(path);
        if (Existed)
        {
            Load(roots);
        }

        Compact();
    }

    /// <summary>False on the very first start of the watch (no journal yet): there is nothing to compare with.</summary>
    public bool Existed { get; }

    /// <summary>A copy of what was announced, path by path.</summary>
    public Dictionary<string, WatchEntry> Snapshot()
    {
        lock (_lock)
        {
            return new Dictionary<string, WatchEntry>(_entries, StringComparer.Ordinal);
        }
    }

    /// <summary>The entry at <paramref name="path"/> is now as given.</summary>
    public void Set(string path, WatchEntry entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(path, out var known) && known == entry)
            {
                return;
            }

            _entries[path] = entry;
            WriteEntry(_writer, path, entry);
            Grew();
        }
    }

    /// <summary>The entry at <paramref name="path"/> is gone; with <paramref name="andBelow"/>, so is everything under it (a directory renamed or removed).</summary>
    public void Remove(string path, bool andBelow = false)
    {
        lock (_lock)
        {
            if (_entries.Remove(path))
            {
                WriteRemoval(path);
            }

            if (andBelow)
            {
                var prefix = path + "/";
                foreach (var below in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
                {
                    _entries.Remove(below);
                    WriteRemoval(below);
                }
            }

            Grew();
        }
    }

    /// <summary>Hands what was written to the kernel (a process killed after this loses none of it).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            _writer.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }

    private static void WriteEntry(StreamWriter writer, string path, WatchEntry entry)
    {
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"+\t{entry.Size}\t{entry.Mtime.Ticks}\t{(entry.IsDirectory ? 'd' : 'f')}\t"));
        writer.WriteLine(JournalText.Escape(path));
    }

    private void WriteRemoval(string path)
    {
        _writer.Write("-\t");
        _writer.WriteLine(JournalText.Escape(path));
        _lines++;
    }

    private void Grew()
    {
        _lines++;
        if (_lines > (2 * _entries.Count) + 1000)
        {
            _writer.Dispose();
            Compact();
        }
    }

    private void Load(IReadOnlyList<string> roots)
    {
        var prefixes = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r)) + "/").ToList();
        foreach (var line in File.ReadLines(_path, Encoding.UTF8))
        {
            var fields = line.Split('\t', 5);
            if (fields is ["-", var removed])
            {
                _entries.Remove(JournalText.Unescape(removed));
            }
            else if (fields is ["+", var size, var ticks, "d" or "f", var escaped] &&
                long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var length) &&
                long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var mtime) && mtime <= DateTime.MaxValue.Ticks)
            {
                var path = JournalText.Unescape(escaped);
                if (prefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal)))
                {
                    _entries[path] = new WatchEntry(length, new DateTime(mtime, DateTimeKind.Utc), fields[3] == "d");
                }
            }

            // Anything else is a line cut short by a crash: that entry is announced again.
        }
    }

    /// <summary>Writes what is held to a new file, put in place by rename, and appends to it from then on.</summary>
    private void Compact()
    {
        var temp = _path + ".tmp";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
        {
            foreach (var (path, entry) in _entries)
            {
                WriteEntry(writer, path, entry);
            }
        }

        File.Move(temp, _path, overwrite: true);
        _lines = _entries.Count;
        _writer = new StreamWriter(_path, append: true, new UTF8Encoding(false)) { AutoFlush = false };
    }
}
