using System.Globalization;
using System.Text;
using System.Text.Json;
using Sluice.Core.Formats;

namespace Sluice.Core.Flows;

/// <summary>
/// A first-in first-out queue of messages on disk that survives <c>kill -9</c> (sr3's
/// <c>diskqueue_work_retry</c> and <c>post_retry</c>): failed work and failed posts wait here to be retried
/// at housekeeping.
/// </summary>
/// <remarks>
/// Items are appended as JSON lines (<c>{"failures": n, "first": t, "message": {v03}}</c>) to
/// <c>&lt;name&gt;.&lt;generation&gt;.jsonl</c>. Taking items out moves a read offset that is persisted
/// (atomically, by rename) only by <see cref="Commit"/>, after the caller has dealt with what it took: a crash
/// in between hands the same items out again (at least once, never lost). When most of the file has been
/// read, the rest is copied to the next generation and the offset file switched to it in one rename.
/// Not thread-safe: one queue per flow instance.
/// </remarks>
internal sealed class DiskQueue : IDisposable
{
    private readonly string _directory;
    private readonly string _name;
    private int _generation;
    private long _committed;
    private long _readOffset;
    private FileStream _append = null!;
    private int _count;

    public DiskQueue(string directory, string name)
    {
        _directory = directory;
        _name = name;
        Directory.CreateDirectory(directory);
        LoadOffset();
        Open();
        _count = CountFrom(_committed);
    }

    /// <summary>Items not yet committed as taken.</summary>
    public int Count => _count;

    private string OffsetPath => Path.Combine(_directory, _name + ".offset");

    private string DataPath(int generation) => Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"{_name}.{generation}.jsonl"));

    /// <summary>Appends an item; it is on disk (in the OS's care) when this returns.</summary>
    public void Enqueue(RetryItem item)
    {
        using var writer = new PyJsonWriter(512);
        writer.StartObject();
        writer.Property("failures", item.Failures);
        writer.Property("first", SrTime.Format(item.FirstFailure));
        writer.Name("message");
        V03Format.Write(writer, item.Message);
        writer.EndObject();
        _append.Write(writer.Written);
        _append.WriteByte((byte)'\n');
        _append.Flush();
        _count++;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> items from the front. They stay on disk until <see cref="Commit"/>;
    /// a line that cannot be read (cut short by a crash, or damaged) is skipped and reported in <paramref name="damaged"/>.
    /// </summary>
    public List<RetryItem> Take(int max, List<string>? damaged = null)
    {
        var items = new List<RetryItem>();
        using var stream = new FileStream(DataPath(_generation), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Position = _readOffset;
        var buffer = new List<byte>(1024);
        while (items.Count < max)
        {
            buffer.Clear();
            int b;
            while ((b = stream.ReadByte()) >= 0 && b != '\n')
            {
                buffer.Add((byte)b);
            }

            if (b < 0)
            {
                break; // an unterminated last line is still being written, or was cut by a crash: not yet an item
            }

            _readOffset = stream.Position;
            var line = buffer.ToArray();
            try
            {
                items.Add(Parse(line));
            }
            catch (Exception ex) when (ex is JsonException or MessageFormatException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                damaged?.Add($"{DataPath(_generation)} at byte {_readOffset - line.Length - 1}: {ex.Message}");
                _count--;
            }
        }

        return items;
    }

    /// <summary>Records that everything taken so far has been dealt with (retried, re-queued or given up).</summary>
    public void Commit()
    {
        var taken = CountBetween(_committed, _readOffset);
        _committed = _readOffset;
        _count = Math.Max(0, _count - taken);
        if (_committed > 1 << 20 && _committed > _append.Length / 2)
        {
            Compact();
        }
        else
        {
            SaveOffset(_generation, _committed);
        }
    }

    /// <summary>Forgets what was taken since the last commit: it will be taken again.</summary>
    public void Rewind() => _readOffset = _committed;

    public void Dispose() => _append.Dispose();

    private static RetryItem Parse(byte[] line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var failures = root.GetProperty("failures").GetInt32();
        var first = SrTime.Parse(root.GetProperty("first").GetString()!);
        var message = V03Format.DecodeBody(Encoding.UTF8.GetBytes(root.GetProperty("message").GetRawText()));
        return new RetryItem(message, failures, first);
    }

    private void Compact()
    {
        var next = _generation + 1;
        using (var source = new FileStream(DataPath(_generation), FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var target = new FileStream(DataPath(next), FileMode.Create, FileAccess.Write))
        {
            source.Position = _committed;
            source.CopyTo(target);
            target.Flush(flushToDisk: true);
        }

        SaveOffset(next, 0);
        _append.Dispose();
        File.Delete(DataPath(_generation));
        _generation = next;
        _committed = 0;
        _readOffset = 0;
        Open();
    }

    private void LoadOffset()
    {
        if (File.Exists(OffsetPath))
        {
            var parts = File.ReadAllText(OffsetPath).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 &&
                int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var generation) &&
                long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                _generation = generation;
                _committed = offset;
                _readOffset = offset;
            }
        }

        // Generations left by a compaction cut short.
        foreach (var file in Directory.GetFiles(_directory, _name + ".*.jsonl"))
        {
            if (file != DataPath(_generation))
            {
                File.Delete(file);
            }
        }
    }

    private void SaveOffset(int generation, long offset)
    {
        var temp = OffsetPath + ".tmp";
        File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"{generation} {offset}"));
        File.Move(temp, OffsetPath, overwrite: true);
    }

    private void Open()
    {
        _append = new FileStream(DataPath(_generation), FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        if (_committed > _append.Length)
        {
            _committed = _readOffset = 0;
        }
    }

    private int CountFrom(long offset) => CountBetween(offset, long.MaxValue);

    private int CountBetween(long from, long to)
    {
        using var stream = new FileStream(DataPath(_generation), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Position = Math.Min(from, stream.Length);
        var count = 0;
        var buffer = new byte[64 * 1024];
        var position = stream.Position;
        int read;
        while (position < to && (read = stream.Read(buffer)) > 0)
        {
            var span = buffer.AsSpan(0, (int)Math.Min(read, to - position));
            count += span.Count((byte)'\n');
            position += read;
        }

        return count;
    }
}
