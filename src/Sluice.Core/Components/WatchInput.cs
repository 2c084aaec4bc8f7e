using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sluice.Core.Flows;
using Sluice.Core.Logging;
using Sluice.Core.Messages;

namespace Sluice.Core.Components;

/// <summary>
/// sr3's watch as a flow input: announces files created, modified, removed, renamed or linked, and
/// directories made and removed, in the trees given by <c>path</c>. Uses inotify (FileSystemWatcher),
/// waits until a file is <c>fileAgeMin</c> old, ignores inflight names, rescans the tree when the kernel's
/// event queue overflows (so bursts lose nothing), and can poll instead (<c>force_polling</c>).
/// With a state file (<see cref="WatchOptions.StatePath"/>) it keeps on disk what it announced once the flow has
/// posted it, and whenever it starts compares its trees with that: what was created, changed or removed while it
/// was not running (stopped, failed, killed) is announced then.
/// </summary>
internal sealed partial class WatchInput : IFlowInput
{
    private readonly WatchOptions _options;
    private readonly FileAnnouncer _announcer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(NotificationMessage Message, Announcement? Token)> _ready = new();
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private readonly Lock _directoriesLock = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Dictionary<string, WatchEntry> _snapshot;
    private readonly AnnouncedJournal? _journal;
    private volatile bool _rescan;
    private volatile bool _watcherFailed;
    private volatile bool _watcherFailedOnce;
    private DateTimeOffset _nextPoll;

    private enum Kind
    {
        Changed,
        Removed,
        RenamedTo,
    }

    private sealed record Pending(Kind Kind, DateTimeOffset Seen, string? OldPath, bool WasDirectory);

    /// <summary>What an announcement changes in the journal once posted: the entry at Path (null: removed), and an old path that is gone (a rename).</summary>
    private sealed record Change(string Path, WatchEntry? Entry, string? OldPath = null, bool OldWasDirectory = false)
    {
        public void Apply(AnnouncedJournal journal)
        {
            if (OldPath is not null)
            {
                journal.Remove(OldPath, andBelow: OldWasDirectory);
            }

            if (Entry is { } entry)
            {
                journal.Set(Path, entry);
            }
            else
            {
                journal.Remove(Path);
            }
        }
    }

    /// <summary>The acknowledgement token of the messages of one change (a file's blocks share one): the change is recorded when the last is acknowledged.</summary>
    private sealed class Announcement(Change change, int messages)
    {
        private int _remaining = messages;

        public Change Change { get; } = change;

        public bool Acknowledge() => Interlocked.Decrement(ref _remaining) == 0;
    }

    public WatchInput(WatchOptions options, ILogger logger, TimeProvider? time = null)
    {
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _announcer = new FileAnnouncer(options.Announce with { Recursive = false }, _time);
        foreach (var root in options.Paths)
        {
            var full = Path.GetFullPath(root);
            if (!Directory.Exists(full))
            {
                throw new DirectoryNotFoundException($"watch path {full} does not exist");
            }

            if (!options.ForcePolling)
            {
                _watchers.Add(StartWatcher(full));
            }
        }

        var current = Scan();
        if (options.StatePath is not null)
        {
            _journal = new AnnouncedJournal(options.StatePath, [.. options.Paths]);
        }

        if (_journal is { Existed: true })
        {
            // What was announced and posted before is known; what differs from it happened while the watch was not running.
            _snapshot = _journal.Snapshot();
            Compare(current, _time.GetUtcNow());
        }
        else
        {
            // The very first start: the tree as found is taken as announced (unless post_on_start announces it).
            _snapshot = current;
            if (!options.PostOnStart && _journal is not null)
            {
                foreach (var (path, entry) in current)
                {
                    _journal.Set(path, entry);
                }

                _journal.Flush();
            }
        }

        foreach (var (path, entry) in _snapshot)
        {
            if (entry.IsDirectory)
            {
                _directories.Add(path);
            }
        }

        if (options.PostOnStart)
        {
            foreach (var (path, entry) in current.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                _pending[path] = new Pending(Kind.Changed, DateTimeOffset.MinValue, null, entry.IsDirectory);
            }
        }
    }

    /// <summary>A watch never runs out of input.</summary>
    public bool IsComplete => false;

    /// <summary>How many events wait for their file to settle.</summary>
    public int PendingCount => _pending.Count;

    public async ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + wait;
        while (true)
        {
            if (_ready.IsEmpty)
            {
                await ProcessAsync(max, cancellationToken).ConfigureAwait(false);
            }

            if (!_ready.IsEmpty || _time.GetUtcNow() >= deadline)
            {
                break;
            }

            await Task.Delay(Min(_options.Sleep, deadline - _time.GetUtcNow()), _time, cancellationToken).ConfigureAwait(false);
        }

        var batch = new List<FlowMessage>();
        var now = _time.GetUtcNow();
        while (batch.Count < max && _ready.TryDequeue(out var ready))
        {
            batch.Add(new FlowMessage(ready.Message, ready.Token) { Received = now });
        }

        return batch;
    }

    /// <summary>The messages were posted (or queued for retry, or rejected): what they announced is recorded in the journal.</summary>
    public ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken)
    {
        if (_journal is null)
        {
            return ValueTask.CompletedTask;
        }

        foreach (var token in ackTokens)
        {
            if (token is Announcement announcement && announcement.Acknowledge())
            {
                announcement.Change.Apply(_journal);
            }
        }

        _journal.Flush();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _journal?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Starts the watchers again after one failed; a tree that keeps failing is looked at every sleep.</summary>
    private void RestartWatchers()
    {
        _watcherFailedOnce = true;
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
        foreach (var root in _options.Paths)
        {
            try
            {
                _watchers.Add(StartWatcher(Path.GetFullPath(root)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                WatchLog.WatcherFailed(_logger, root, ex.Message, _options.Sleep.TotalSeconds);
                _watcherFailed = true;
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a > TimeSpan.Zero ? a : TimeSpan.Zero) : (b > TimeSpan.Zero ? b : TimeSpan.Zero);

    private FileSystemWatcher StartWatcher(string root)
    {
        var watcher = new FileSystemWatcher(root)
        {
            IncludeSubdirectories = true,
            InternalBufferSize = 64 * 1024,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.Attributes,
        };
        watcher.Created += (_, e) => Note(e.FullPath, Kind.Changed, null);
        watcher.Changed += (_, e) => Note(e.FullPath, Kind.Changed, null);
        watcher.Deleted += (_, e) => Note(e.FullPath, Kind.Removed, null);
        watcher.Renamed += (_, e) =>
        {
            Note(e.FullPath, Kind.RenamedTo, e.OldFullPath);
        };
        watcher.Error += (_, e) =>
        {
            var error = e.GetException();
            if (error is InternalBufferOverflowException)
            {
                // The kernel's queue overflowed (a burst): events were lost, so look at the whole tree again.
                WatchLog.Overflow(_logger, root, error.Message);
            }
            else
            {
                // The watcher stopped (an inotify limit, a watched directory gone): events would be lost from now on.
                // Look at the tree every sleep, and start the watcher again each time, until it runs.
                WatchLog.WatcherFailed(_logger, root, error.Message, _options.Sleep.TotalSeconds);
                _watcherFailed = true;
            }

            _rescan = true;
        };
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    private void Note(string path, Kind kind, string? oldPath)
    {
        bool wasDirectory;
        lock (_directoriesLock)
        {
            wasDirectory = _directories.Contains(oldPath ?? path);
        }

        _pending[path] = new Pending(kind, _time.GetUtcNow(), oldPath, wasDirectory);
        if (oldPath is not null)
        {
            _pending.TryRemove(oldPath, out _);
        }
    }

    private bool Ignored(string path)
    {
        var name = Path.GetFileName(path);
        return (_options.IgnoreDotFiles && name.StartsWith('.')) ||
            (_options.InflightSuffix is { Length: > 0 } suffix && name.EndsWith(suffix, StringComparison.Ordinal));
    }

    private async Task ProcessAsync(int max, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_watcherFailed && now >= _nextPoll)
        {
            _watcherFailed = false;
            RestartWatchers();
            _rescan = true;
        }

        if (_rescan || ((_options.ForcePolling || _watcherFailedOnce) && now >= _nextPoll))
        {
            _rescan = false;
            _nextPoll = now + _options.Sleep;
            Rescan();
        }

        var produced = 0;
        foreach (var (path, pending) in _pending.ToArray().OrderBy(p => p.Value.Seen).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            if (produced >= max)
            {
                break;
            }

            if (pending.Kind == Kind.Changed && now - pending.Seen < _options.FileAgeMin)
            {
                continue;
            }

            if (!_pending.TryRemove(new KeyValuePair<string, Pending>(path, pending)))
            {
                continue; // a newer event for the path came in meanwhile
            }

            var (messages, change) = await MessagesForAsync(path, pending, now, cancellationToken).ConfigureAwait(false);
            if (change is not null && pending.Kind == Kind.RenamedTo && pending.OldPath is { } oldPath)
            {
                // The old name is gone with the rename (and, for a directory, everything that was under it).
                ForgetAnnounced(oldPath, pending.WasDirectory);
                change = change with { OldPath = oldPath, OldWasDirectory = pending.WasDirectory };
            }

            if (messages.Count == 0)
            {
                if (change is not null && _journal is not null)
                {
                    change.Apply(_journal); // nothing to post: nothing to wait for
                }

                continue;
            }

            var token = change is null ? null : new Announcement(change, messages.Count);
            foreach (var message in messages)
            {
                _ready.Enqueue((message, token));
                produced++;
            }
        }

        _journal?.Flush();
    }

    /// <summary>The messages for one settled event, and what they change in the journal once posted (null: nothing).</summary>
    private async Task<(IReadOnlyList<NotificationMessage> Messages, Change? Change)> MessagesForAsync(string path, Pending pending, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (pending.Kind == Kind.Removed)
        {
            Forget(path);
            _snapshot.Remove(path);
            var removed = new Change(path, null);
            if (Ignored(path) || !_options.FileEvents.Contains(pending.WasDirectory ? "rmdir" : "delete"))
            {
                return ([], removed);
            }

            return ([_announcer.Removed(path, pending.WasDirectory)], removed);
        }

        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!TrySee(info, out var seen))
        {
            return ([], null); // gone again before it settled (its removal is an event of its own)
        }

        if (info.LinkTarget is { } target)
        {
            Remember(path, isDirectory: false);
            _snapshot[path] = seen;
            var link = new Change(path, seen);
            return Ignored(path) || !_options.FileEvents.Contains("link") ? ([], link) : ([Renamed(_announcer.Link(path, target), pending)], link);
        }

        if (info is DirectoryInfo directory)
        {
            var known = IsKnownDirectory(path);
            Remember(path, isDirectory: true);
            _snapshot[path] = seen;
            var messages = new List<NotificationMessage>();
            if (!Ignored(path) && _options.FileEvents.Contains("mkdir") && (!known || pending.Kind == Kind.RenamedTo || pending.Seen == DateTimeOffset.MinValue))
            {
                messages.Add(Renamed(_announcer.DirectoryCreated(path), pending));
            }

            // Files may have landed in a new directory before the watch on it started. The watcher adds that watch
            // when it reads the directory's creation, which may come after an earlier look at the directory (made
            // when its parent was new): every event for a directory looks again, for what has not been announced.
            foreach (var entry in directory.EnumerateFileSystemInfos())
            {
                if (!TrySee(entry, out var inside))
                {
                    continue; // renamed or removed since it was listed (an inflight file, often): its own events tell
                }

                var unannounced = inside.IsDirectory
                    ? !IsKnownDirectory(entry.FullName)
                    : !_snapshot.TryGetValue(entry.FullName, out var announced) || announced != inside;
                if (unannounced)
                {
                    _pending.TryAdd(entry.FullName, new Pending(Kind.Changed, now, null, inside.IsDirectory));
                }
            }

            return (messages, new Change(path, seen));
        }

        var file = (FileInfo)info;
        if (_options.FileAgeMin > TimeSpan.Zero && now - new DateTimeOffset(seen.Mtime, TimeSpan.Zero) < _options.FileAgeMin)
        {
            _pending.TryAdd(path, pending with { Seen = now });
            return ([], null);
        }

        if (pending.Kind == Kind.Changed && pending.Seen != DateTimeOffset.MinValue && _snapshot.TryGetValue(path, out var sent) && sent == seen)
        {
            return ([], null); // a late event for a write already announced: the file is as it was announced
        }

        Remember(path, isDirectory: false);
        var kind = pending.Kind == Kind.RenamedTo ? "create" : (pending.Seen == DateTimeOffset.MinValue ? "create" : "modify");
        if (Ignored(path) || (!_options.FileEvents.Contains(kind) && !_options.FileEvents.Contains("create")))
        {
            return ([], null);
        }

        try
        {
            var list = await _announcer.FileAsync(file, cancellationToken).ConfigureAwait(false);
            foreach (var m in list)
            {
                Renamed(m, pending);
            }

            _snapshot[path] = seen;
            return (list, new Change(path, seen));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ([], null); // renamed or removed while it was read: its own events tell
        }
        catch (IOException ex)
        {
            WatchLog.Unreadable(_logger, path, ex.Message);
            _pending.TryAdd(path, pending with { Seen = now });
            return ([], null);
        }
    }

    private NotificationMessage Renamed(NotificationMessage m, Pending pending)
    {
        // A file renamed from an inflight name (x.tmp -> x) is simply new: nobody saw the old name.
        if (pending.Kind == Kind.RenamedTo && pending.OldPath is not null && !Ignored(pending.OldPath))
        {
            // sr3 names the old file by its absolute path.
            m.FileOp = (m.FileOp ?? new FileOp()) with { Rename = pending.OldPath };
        }

        return m;
    }

    private bool IsKnownDirectory(string path)
    {
        lock (_directoriesLock)
        {
            return _directories.Contains(path);
        }
    }

    private void Remember(string path, bool isDirectory)
    {
        lock (_directoriesLock)
        {
            if (isDirectory)
            {
                _directories.Add(path);
            }
            else
            {
                _directories.Remove(path);
            }
        }
    }

    /// <summary>
    /// What the snapshot keeps of an entry: size (0 for directories and links), mtime (none for a directory: the
    /// entries in it are compared one by one), whether it is a directory. False when it is gone (renamed or removed
    /// since it was listed, which is normal for a file written under an inflight name).
    /// </summary>
    private static bool TrySee(FileSystemInfo info, out WatchEntry seen)
    {
        try
        {
            info.Refresh();
            var link = info.LinkTarget is not null;
            if (!info.Exists && !link)
            {
                seen = default;
                return false;
            }

            seen = info is DirectoryInfo && !link
                ? new WatchEntry(0, default, true)
                : new WatchEntry(info is FileInfo f && !link ? f.Length : 0, info.LastWriteTimeUtc, false);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            seen = default;
            return false;
        }
    }

    /// <summary>An old name is gone (renamed away): it, and for a directory everything under it, is no longer announced.</summary>
    private void ForgetAnnounced(string oldPath, bool wasDirectory)
    {
        _snapshot.Remove(oldPath);
        Forget(oldPath);
        if (wasDirectory)
        {
            var prefix = oldPath + "/";
            foreach (var below in _snapshot.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                _snapshot.Remove(below);
                Forget(below);
            }
        }
    }

    private void Forget(string path)
    {
        lock (_directoriesLock)
        {
            _directories.Remove(path);
        }
    }

    /// <summary>Every entry of the trees as they are now; an entry that goes away while it is listed is left out.</summary>
    private Dictionary<string, WatchEntry> Scan()
    {
        var entries = new Dictionary<string, WatchEntry>(StringComparer.Ordinal);
        foreach (var root in _options.Paths)
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0, ReturnSpecialDirectories = false };
            foreach (var info in new DirectoryInfo(Path.GetFullPath(root)).EnumerateFileSystemInfos("*", options))
            {
                if (TrySee(info, out var seen))
                {
                    entries[info.FullName] = seen;
                }
            }
        }

        return entries;
    }

    private void Rescan() => Compare(Scan(), _time.GetUtcNow());

    /// <summary>
    /// Compares the tree with what was announced (or there at the start) and notes every difference as an event. The
    /// snapshot is left as it is: it keeps only what was announced, and each change is recorded when it is announced
    /// (a removal when it is), so a later event for a change noted here is not taken for one already announced.
    /// </summary>
    private void Compare(Dictionary<string, WatchEntry> current, DateTimeOffset now)
    {
        foreach (var (path, entry) in current)
        {
            if (!_snapshot.TryGetValue(path, out var announced) || announced != entry)
            {
                _pending.TryAdd(path, new Pending(Kind.Changed, now, null, entry.IsDirectory));
            }
        }

        foreach (var (path, entry) in _snapshot)
        {
            if (!current.ContainsKey(path))
            {
                _pending[path] = new Pending(Kind.Removed, now, null, entry.IsDirectory);
            }
        }
    }

    private static partial class WatchLog
    {
        [LoggerMessage(EventId = LogEvents.Watch.Overflow, Level = LogLevel.Warning, Message = "watch {Root}: event queue overflowed ({Reason}); rescanning the tree")]
        public static partial void Overflow(ILogger logger, string root, string reason);

        [LoggerMessage(EventId = LogEvents.Watch.Unreadable, Level = LogLevel.Warning, Message = "watch: cannot read {Path} yet ({Reason}); will try again")]
        public static partial void Unreadable(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = LogEvents.Watch.WatcherFailed, Level = LogLevel.Error, Message = "watch {Root}: the watcher failed ({Reason}); looking at the tree every {Sleep} s and starting the watcher again")]
        public static partial void WatcherFailed(ILogger logger, string root, string reason, double sleep);
    }
}
