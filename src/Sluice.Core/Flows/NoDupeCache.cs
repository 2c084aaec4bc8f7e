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
/// <remarks>Not thread-safe: one cache per flow instance, used from its filter stage.</remarks>
public sealed class NoDupeCache : IDisposable
{
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
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
    public int Count => _seen.Count;

    /// <summary>
    /// True when the message was not seen within the ttl (and remembers it); false for a duplicate
    /// (sr3 rejects it with 304 Not modified).
    /// </summary>
    public bool CheckAndRemember(NotificationMessage message)
    {
        var key = Key(message, _basis);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_seen.TryGetValue(key, out var when) && now - when < _ttl.TotalMilliseconds)
        {
            return false;
        }

        Remember(key, now);
        return true;
    }

    /// <summary>Forgets a message (its work failed: a later copy must not be taken for a duplicate).</summary>
    public void Forget(NotificationMessage message)
    {
        var key = Key(message, _basis);
        if (_seen.Remove(key))
        {
            _journal?.WriteLine("-\t" + Escape(key));
            _journalLines++;
        }
    }

    /// <summary>Drops expired entries and compacts the journal; call at housekeeping.</summary>
    public void Housekeeping()
    {
        var cutoff = _time.GetUtcNow().ToUnixTimeMilliseconds() - (long)_ttl.TotalMilliseconds;
        while (_byAge.TryPeek(out var oldest) && (oldest.Time <= cutoff || _seen.Count > _maxEntries))
        {
            _byAge.Dequeue();
            if (_seen.TryGetValue(oldest.Key, out var when) && when == oldest.Time)
            {
                _seen.Remove(oldest.Key);
            }
        }

        if (_journalPath is not null && _journalLines > 2 * _seen.Count + 1000)
        {
            Compact();
        }

        Flush();
    }

    /// <summary>Writes what is buffered to the journal.</summary>
    public void Flush() => _journal?.Flush();

    public void Dispose()
    {
        _journal?.Flush();
        _journal?.Dispose();
        _journal = null;
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

    private void Remember(string key, long now)
    {
        _seen[key] = now;
        _byAge.Enqueue((key, now));
        if (_journal is not null)
        {
            _journal.Write(now.ToString(CultureInfo.InvariantCulture));
            _journal.Write('\t');
            _journal.WriteLine(Escape(key));
            _journalLines++;
        }

        if (_seen.Count > _maxEntries)
        {
            Housekeeping();
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

            var key = Unescape(line[(tab + 1)..]);
            if (line[..tab] == "-")
            {
                _seen.Remove(key);
            }
            else if (long.TryParse(line.AsSpan(0, tab), NumberStyles.None, CultureInfo.InvariantCulture, out var when) && when > cutoff)
            {
                _seen[key] = when;
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
            foreach (var (key, when) in _seen)
            {
                writer.Write(when.ToString(CultureInfo.InvariantCulture));
                writer.Write('\t');
                writer.WriteLine(Escape(key));
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

    private static string Escape(string key) => key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    private static string Unescape(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                sb.Append(text[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => text[i] });
            }
            else
            {
                sb.Append(text[i]);
            }
        }

        return sb.ToString();
    }
}
