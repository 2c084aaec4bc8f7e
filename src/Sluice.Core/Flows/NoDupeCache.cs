using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

/// <summary>
/// Duplicate suppression (sr3's nodupe): remembers what was seen for <c>nodupe_ttl</c>, keyed on the
/// message's identity (or its mtime and size when it has none) and its path, name or nothing
/// (<see cref="NoDupeBasis"/>). Persisted in a journal under the state directory, so a restart does
/// not let everything through again; memory is bounded by the ttl and by <c>maxEntries</c>.
/// </summary>
/// <remarks>
/// A message is remembered at once (<see cref="TryRemember"/>), so a copy arriving while it is worked on is a
/// duplicate, but it is written to the journal only when <see cref="Commit"/> says its work is done. A flow killed
/// in between remembers nothing of it after a restart, and the copy its broker delivers again (or its watch or
/// poll announces again) is worked on instead of being taken for a duplicate of work that never finished.
/// One cache per flow instance; its filter and post stages may call it at the same time.
/// </remarks>
internal sealed class NoDupeCache : IDisposable
{
    private readonly Dictionary<string, Entry> _seen = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Queue<(string Key, long Time)> _byAge = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly NoDupeBasis _basis;
    private readonly int _maxEntries;
    private readonly string? _journalPath;
    private StreamWriter? _journal;
    private int _journalLines;

    /// <param name="ttl">How long a message is remembered (<c>nodupe_ttl</c>).</param>
    /// <param name="basis">What, besides the identity, makes two messages the same (<c>nodupe_basis</c>).</param>
    /// <param name="journalPath">Where to persist the cache; null keeps it in memory only.</param>
    /// <param name="time">The clock.</param>
    /// <param name="maxEntries">The most entries kept, whatever the ttl; the oldest go first.</param>
    public NoDupeCache(TimeSpan ttl, NoDupeBasis basis, string? journalPath, TimeProvider time, int maxEntries = 1_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        _ttl = ttl;
        _basis = basis;
        _time = time;
        _maxEntries = maxEntries;
        _journalPath = journalPath;
        if (journalPath is not null)
        {
            Load(journalPath);
            OpenJournal(append: true);
        }
    }

    /// <summary>How many entries are remembered.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>
    /// True when the message was not seen within the ttl: it is remembered from now on (in memory until
    /// <see cref="Commit"/>), and <paramref name="key"/> names it. False for a duplicate (sr3 rejects it with 304 Not modified).
    /// </summary>
    public bool TryRemember(NotificationMessage message, [NotNullWhen(true)] out string? key)
    {
        var candidate = Key(message, _basis);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            if (_seen.TryGetValue(candidate, out var entry) && now - entry.Time < _ttl.TotalMilliseconds)
            {
                key = null;
                return false;
            }

            Remember(candidate, now, committed: false);
        }

        key = candidate;
        return true;
    }

    /// <summary>The work on a remembered message is done: it is written to the journal, and survives a restart.</summary>
    public void Commit(string key)
    {
        lock (_lock)
        {
            if (_seen.TryGetValue(key, out var entry) && !entry.Committed)
            {
                _seen[key] = entry with { Committed = true };
                WriteEntry(key, entry.Time);
            }
        }
    }

    /// <summary><see cref="TryRemember"/> and <see cref="Commit"/> at once, for a caller that has no later point where its work is done.</summary>
    public bool CheckAndRemember(NotificationMessage message)
    {
        if (!TryRemember(message, out var key))
        {
            return false;
        }

        Commit(key);
        return true;
    }

    /// <summary>Forgets a message (its work failed: a later copy must not be taken for a duplicate).</summary>
    public void Forget(NotificationMessage message)
    {
        var key = Key(message, _basis);
        lock (_lock)
        {
            if (_seen.Remove(key, out var entry) && entry.Committed)
            {
                _journal?.WriteLine("-\t" + JournalText.Escape(key));
                _journalLines++;
            }
        }
    }

    /// <summary>Drops expired entries and compacts the journal; call at housekeeping.</summary>
    public void Housekeeping()
    {
        lock (_lock)
        {
            HousekeepingLocked();
        }
    }

    /// <summary>Writes what is buffered to the journal.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            _journal?.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _journal?.Flush();
            _journal?.Dispose();
            _journal = null;
        }
    }

    private void HousekeepingLocked()
    {
        var cutoff = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)_ttl.TotalMilliseconds;
        while (_byAge.TryPeek(out var oldest) && (oldest.Time <= cutoff || _seen.Count > _maxEntries))
        {
            _byAge.Dequeue();
            if (_seen.TryGetValue(oldest.Key, out var entry) && entry.Time == oldest.Time)
            {
                _seen.Remove(oldest.Key);
            }
        }

        if (_journalPath is not null && _journalLines > 2 * _seen.Count + 1000)
        {
            Compact();
        }

        _journal?.Flush();
    }

    /// <summary>sr3's duplicate key for a message, with the basis's path part.</summary>
    public static string Key(NotificationMessage m, NoDupeBasis basis)
    {
        string sum;
        if (m.FileOp is { Link: { } target })
        {
            sum = "link," + target;
        }
        else if (m.FileOp is { IsRemove: true } removed)
        {
            sum = removed.IsDirectory ? "rmdir" : "remove";
        }
        else if (m.FileOp is { IsDirectory: true })
        {
            sum = "mkdir";
        }
        else if (m.Identity is { Method: not ("cod" or "random"), Value: { } value })
        {
            sum = m.Identity.Method + "," + value.Replace("\n", string.Empty, StringComparison.Ordinal);
        }
        else
        {
            // No usable checksum: the file's modification time and size stand for its content.
            var t = m.Mtime ?? m.PubTime;
            sum = m.Size is { } size ? string.Create(CultureInfo.InvariantCulture, $"{t},{size}") : t;
        }

        if (m.Blocks is { } blocks)
        {
            sum += string.Create(CultureInfo.InvariantCulture, $"#{blocks.Number}");
        }

        // A fileOp has no data: whatever the basis, it is the same event only on the same path.
        return basis switch
        {
            _ when m.FileOp is not null => sum + "\n" + m.RelPath,
            NoDupeBasis.Name => sum + "\n" + m.FileName,
            NoDupeBasis.Data => sum,
            _ => sum + "\n" + m.RelPath,
        };
    }

    private void Remember(string key, long now, bool committed)
    {
        _seen[key] = new Entry(now, committed);
        _byAge.Enqueue((key, now));
        if (_seen.Count > _maxEntries)
        {
            HousekeepingLocked();
        }
    }

    private void WriteEntry(string key, long when)
    {
        if (_journal is not null)
        {
            _journal.Write(when.ToString(CultureInfo.InvariantCulture));
            _journal.Write('\t');
            _journal.WriteLine(JournalText.Escape(key));
            _journalLines++;
        }
    }

    private void Load(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        var cutoff = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)_ttl.TotalMilliseconds;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            _journalLines++;
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0)
            {
                continue; // a line cut short by a crash
            }

            var key = JournalText.Unescape(line[(tab + 1)..]);
            if (line[..tab] == "-")
            {
                _seen.Remove(key);
            }
            else if (long.TryParse(line.AsSpan(0, tab), NumberStyles.None, CultureInfo.InvariantCulture, out var when) && when > cutoff)
            {
                _seen[key] = new Entry(when, Committed: true);
                _byAge.Enqueue((key, when));
            }
        }
    }

    private void Compact()
    {
        _journal?.Dispose();
        var temp = _journalPath + ".tmp";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
        {
            foreach (var (key, (when, committed)) in _seen)
            {
                if (!committed)
                {
                    continue; // its work is not done: Commit writes it to the new journal
                }

                writer.Write(when.ToString(CultureInfo.InvariantCulture));
                writer.Write('\t');
                writer.WriteLine(JournalText.Escape(key));
            }
        }

        File.Move(temp, _journalPath!, overwrite: true);
        _journalLines = _seen.Count;
        OpenJournal(append: true);
    }

    private void OpenJournal(bool append)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_journalPath!))!);
        _journal = new StreamWriter(_journalPath!, append, new UTF8Encoding(false)) { AutoFlush = false };
    }

    /// <summary>When a key was seen, and whether its work is done (written to the journal).</summary>
    private readonly record struct Entry(long Time, bool Committed);
}
