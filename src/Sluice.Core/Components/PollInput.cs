using System.Net;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Logging;
using Sluice.Core.Messages;
using Sluice.Core.Transfers;

namespace Sluice.Core.Components;

/// <summary>
/// sr3's poll as a flow input: lists the <c>path</c> directories of a server (http index pages, sftp, ftp, file)
/// on its schedule and announces every file it finds, with the size and mtime of the listing and a <c>cod</c>
/// identity. The flow's nodupe cache (keyed on name, mtime and size, persisted) lets only new or changed files
/// through, so a restart announces nothing again. With <c>vip</c>, only the node holding the address polls; the
/// others wait (sr3's <c>wVip</c>) and check again at each poll time.
/// </summary>
internal sealed partial class PollInput : IFlowInput
{
    private static readonly MessageField[] FileOrder =
        [MessageField.PubTime, MessageField.RelPath, MessageField.BaseUrl, MessageField.FromCluster, MessageField.Source, MessageField.ToClusters,
         MessageField.Size, MessageField.Mtime, MessageField.Identity, MessageField.ContentType, MessageField.FileOp];

    private static readonly MessageField[] DirectoryOrder =
        [MessageField.PubTime, MessageField.RelPath, MessageField.BaseUrl, MessageField.FromCluster, MessageField.Source, MessageField.ToClusters,
         MessageField.Mtime, MessageField.FileOp, MessageField.ContentType];

    private readonly PollOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Queue<NotificationMessage> _ready = new();
    private readonly Stack<string> _directories = new();
    private ITransfer? _transfer;
    private DateTimeOffset _nextPoll;
    private DateTimeOffset _pollStarted;
    private long _listed;
    private long _announced;
    private volatile bool _waitingForVip;

    public PollInput(PollOptions options, ILogger logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        var now = _time.GetUtcNow();

        // sleep and scheduled_interval poll at once; appointments (hours, minutes, times) wait for theirs.
        _nextPoll = HasAppointments(options) ? NextPoll(options, now) : now;
    }

    /// <summary>A poll never runs out of input.</summary>
    public bool IsComplete => false;

    /// <summary>True while another node holds the <c>vip</c> and this one waits (sr3's <c>wVip</c>).</summary>
    public bool WaitingForVip => _waitingForVip;

    /// <summary>When the next poll starts.</summary>
    public DateTimeOffset NextPollTime => _nextPoll;

    /// <summary>Entries seen in listings since the start.</summary>
    public long Listed => Interlocked.Read(ref _listed);

    /// <summary>The flow's counters, where the vip state is shown (set by whoever builds the flow).</summary>
    public FlowMetrics? Metrics { get; set; }

    public async ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + wait;
        while (_ready.Count < max)
        {
            if (_directories.Count > 0)
            {
                await ListNextAsync(cancellationToken).ConfigureAwait(false);
                if (_directories.Count == 0)
                {
                    EndPoll();
                }

                continue;
            }

            var now = _time.GetUtcNow();
            if (now >= _nextPoll)
            {
                await StartPollAsync(now, cancellationToken).ConfigureAwait(false);
                if (_directories.Count > 0)
                {
                    continue;
                }
            }

            if (_ready.Count > 0 || now >= deadline)
            {
                break;
            }

            var pause = (_nextPoll < deadline ? _nextPoll : deadline) - now;
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        var batch = new List<FlowMessage>(Math.Min(max, _ready.Count));
        var received = _time.GetUtcNow();
        while (batch.Count < max && _ready.TryDequeue(out var message))
        {
            batch.Add(new FlowMessage(message) { Received = received });
        }

        return batch;
    }

    public ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_transfer is not null)
        {
            await _transfer.DisposeAsync().ConfigureAwait(false);
            _transfer = null;
        }
    }

    /// <summary>True when one of <paramref name="addresses"/> is on a local interface (of this network namespace).</summary>
    public static bool HoldsAny(IReadOnlyList<IPAddress> addresses)
    {
        if (addresses.Count == 0)
        {
            return true;
        }

        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                if (addresses.Contains(unicast.Address))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// When the poll after <paramref name="now"/> starts: the next appointment of <c>scheduled_hour</c>/<c>scheduled_minute</c>/
    /// <c>scheduled_time</c> (UTC) when any is given, otherwise <c>scheduled_interval</c> (or <c>sleep</c>) from now.
    /// </summary>
    public static DateTimeOffset NextPoll(PollOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!HasAppointments(options))
        {
            var interval = options.ScheduledInterval > TimeSpan.Zero ? options.ScheduledInterval : options.Sleep;
            return now + (interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1));
        }

        var times = new List<TimeSpan>(options.ScheduledTimes);
        if (options.ScheduledHours.Count > 0 || options.ScheduledMinutes.Count > 0)
        {
            IEnumerable<int> hours = options.ScheduledHours.Count > 0 ? options.ScheduledHours : Enumerable.Range(0, 24);
            IReadOnlyList<int> minutes = options.ScheduledMinutes.Count > 0 ? options.ScheduledMinutes : [0];
            times.AddRange(hours.SelectMany(h => minutes.Select(m => new TimeSpan(h, m, 0))));
        }

        times.Sort();
        var utc = now.ToUniversalTime();
        var midnight = new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
        for (var day = 0; day <= 1; day++)
        {
            foreach (var time in times)
            {
                var at = midnight.AddDays(day) + time;
                if (at > utc)
                {
                    return at;
                }
            }
        }

        return midnight.AddDays(2) + times[0];
    }

    private static bool HasAppointments(PollOptions options) =>
        options.ScheduledHours.Count > 0 || options.ScheduledMinutes.Count > 0 || options.ScheduledTimes.Count > 0;

    private async Task StartPollAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        _nextPoll = NextPoll(_options, now);
        var holds = HoldsAny(_options.Vip);
        if (holds == _waitingForVip)
        {
            if (holds)
            {
                PollLog.VipTaken(_logger, string.Join(',', _options.Vip));
            }
            else
            {
                PollLog.VipWaiting(_logger, string.Join(',', _options.Vip));
            }
        }

        _waitingForVip = !holds;
        if (Metrics is { } metrics)
        {
            metrics.SetWaiting(holds ? null : "vip");
        }

        if (!holds)
        {
            return;
        }

        try
        {
            _transfer ??= _options.Transfers.Create(_options.ServerOptions(_options.PollUrl));
            await _transfer.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TransferException ex)
        {
            PollLog.ConnectFailed(_logger, ex.Url, ex.Message);
            await DropTransferAsync().ConfigureAwait(false);
            var retry = now + TimeSpan.FromSeconds(15);
            _nextPoll = retry < _nextPoll ? retry : _nextPoll;
            return;
        }

        _pollStarted = now;
        _announced = 0;
        // Date variables (${YYYYMMDD}, ${%Y%m%d}, ...) in a path take the time of each poll, as in sr3.
        var context = Variables.Context.Environment(_time);
        foreach (var path in _options.Paths.Reverse())
        {
            _directories.Push(Normalize(Variables.IsPerMessage(path) ? Variables.Expand(path, context) : path));
        }
    }

    /// <summary>Whether the server's listing shows wall-clock times (an http index, an ftp LIST) rather than true ones.</summary>
    private static bool ShowsWallClockTimes(string url) =>
        url.StartsWith("http", StringComparison.OrdinalIgnoreCase) || url.StartsWith("ftp", StringComparison.OrdinalIgnoreCase);

    /// <summary>A listing's time, read as UTC, taken instead as the wall-clock time it is in <paramref name="zone"/>.</summary>
    internal static DateTimeOffset InZone(DateTimeOffset listed, TimeZoneInfo zone)
    {
        var wallClock = DateTime.SpecifyKind(listed.UtcDateTime, DateTimeKind.Unspecified);
        return new DateTimeOffset(wallClock, zone.GetUtcOffset(wallClock)).ToUniversalTime();
    }

    private async Task ListNextAsync(CancellationToken cancellationToken)
    {
        var directory = _directories.Pop();
        IReadOnlyList<RemoteEntry> entries;
        try
        {
            entries = await _transfer!.ListAsync(directory.Length == 0 ? "." : directory, cancellationToken).ConfigureAwait(false);
        }
        catch (TransferException ex)
        {
            PollLog.ListFailed(_logger, directory, ex.Message);
            if (ex.IsTransient)
            {
                // The connection may be gone: open a new one for what is left of this poll.
                await DropTransferAsync().ConfigureAwait(false);
                try
                {
                    _transfer = _options.Transfers.Create(_options.ServerOptions(_options.PollUrl));
                    await _transfer.ConnectAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (TransferException again)
                {
                    PollLog.ConnectFailed(_logger, again.Url, again.Message);
                    await DropTransferAsync().ConfigureAwait(false);
                    _directories.Clear();
                }
            }

            return;
        }

        Interlocked.Add(ref _listed, entries.Count);
        if (_options.ListingTimeZone is { } zone && ShowsWallClockTimes(_options.PollUrl))
        {
            entries = [.. entries.Select(e => e.ModifiedTime is { } t ? e with { ModifiedTime = InZone(t, zone) } : e)];
        }

        var now = _time.GetUtcNow();
        var pubTime = SrTime.Format(now);
        var subdirectories = new List<string>();
        foreach (var entry in entries.Where(e => e.IsDirectory).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var path = Join(directory, entry.Name);
            var m = Base(pubTime, path, DirectoryOrder);
            m.Mtime = entry.ModifiedTime is { } t ? SrTime.Format(t) : null;
            m.FileOp = new FileOp { Directory = string.Empty };
            m.ContentType = "text/directory";
            _ready.Enqueue(m);
            subdirectories.Add(path);
        }

        foreach (var entry in entries.Where(e => !e.IsDirectory).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry.LinkTarget is { } target)
            {
                if (target.Length == 0)
                {
                    PollLog.LinkSkipped(_logger, Join(directory, entry.Name));
                    continue;
                }

                var link = Base(pubTime, Join(directory, entry.Name), DirectoryOrder);
                link.FileOp = new FileOp { Link = target };
                _ready.Enqueue(link);
                continue;
            }

            if (entry.ModifiedTime is { } mtime)
            {
                var age = now - mtime;
                if (_options.FileAgeMax > TimeSpan.Zero && age > _options.FileAgeMax)
                {
                    continue;
                }

                if (_options.FileAgeMin > TimeSpan.Zero && age < _options.FileAgeMin)
                {
                    continue; // still being written, perhaps: a later poll takes it (nodupe has not seen it)
                }
            }

            var m = Base(pubTime, Join(directory, entry.Name), FileOrder);
            m.Size = entry.Size >= 0 ? entry.Size : null;
            m.Mtime = entry.ModifiedTime is { } modified ? SrTime.Format(modified) : null;
            m.Identity = _options.Identity.Method switch
            {
                "none" => null,
                "cod" => new Identity("cod", _options.Identity.CodAlgorithm),
                var method => new Identity(method, null),
            };
            m.ContentType = ContentTypes.Guess(entry.Name);
            _ready.Enqueue(m);
            _announced++;
        }

        if (_options.Recursive)
        {
            for (var i = subdirectories.Count - 1; i >= 0; i--)
            {
                _directories.Push(subdirectories[i]);
            }
        }
    }

    private void EndPoll() =>
        PollLog.Polled(_logger, _options.Paths.Count, _announced, (_time.GetUtcNow() - _pollStarted).TotalMilliseconds);

    private NotificationMessage Base(string pubTime, string path, MessageField[] order)
    {
        var m = new NotificationMessage(pubTime, _options.PostBaseUrl, RelPath(path))
        {
            Source = _options.Source,
            FromCluster = _options.FromCluster,
            ToClusters = _options.ToClusters,
            FieldOrder = order,
        };
        if (_options.Rename is { } rename)
        {
            // sr3's fromFileInfo: the rename given (a directory when it ends in '/', the file's name then appended).
            var renamed = Variables.Expand(rename, Variables.Context.Environment(_time));
            m.Rename = rename.EndsWith('/') ? renamed + path[(path.LastIndexOf('/') + 1)..] : renamed;
        }

        return m;
    }

    /// <summary>sr3's relPath for a listed path: the path as listed (the directory given, then the name), less <c>post_baseDir</c>.</summary>
    private string RelPath(string path)
    {
        if (_options.PostBaseDir is { Length: > 0 } baseDir)
        {
            var root = baseDir.TrimEnd('/');
            if (path.StartsWith(root + "/", StringComparison.Ordinal))
            {
                return path[(root.Length + 1)..];
            }
        }

        return path;
    }

    private static string Normalize(string path) => path is "." or "./" ? string.Empty : (path.Length > 1 ? path.TrimEnd('/') : path);

    private static string Join(string directory, string name) => directory.Length == 0 ? name : (directory.EndsWith('/') ? directory + name : directory + "/" + name);

    private async Task DropTransferAsync()
    {
        if (_transfer is not null)
        {
            try
            {
                await _transfer.DisposeAsync().ConfigureAwait(false);
            }
            catch (TransferException)
            {
            }

            _transfer = null;
        }
    }

    private static partial class PollLog
    {
        [LoggerMessage(EventId = LogEvents.Poll.Polled, Level = LogLevel.Information, Message = "poll: {Paths} path(s) listed, {Count} file(s) found in {ElapsedMs:F0} ms")]
        public static partial void Polled(ILogger logger, int paths, long count, double elapsedMs);

        [LoggerMessage(EventId = LogEvents.Poll.ListFailed, Level = LogLevel.Warning, Message = "poll: cannot list {Path}: {Reason}")]
        public static partial void ListFailed(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = LogEvents.Poll.ConnectFailed, Level = LogLevel.Error, Message = "poll: cannot connect to {Url}: {Reason}; trying again later")]
        public static partial void ConnectFailed(ILogger logger, string url, string reason);

        [LoggerMessage(EventId = LogEvents.Poll.VipWaiting, Level = LogLevel.Information, Message = "poll: vip {Vip} is not here; waiting (wVip)")]
        public static partial void VipWaiting(ILogger logger, string vip);

        [LoggerMessage(EventId = LogEvents.Poll.VipTaken, Level = LogLevel.Information, Message = "poll: vip {Vip} is here; polling")]
        public static partial void VipTaken(ILogger logger, string vip);

        [LoggerMessage(EventId = LogEvents.Poll.LinkSkipped, Level = LogLevel.Debug, Message = "poll: {Path} is a symbolic link whose target the server does not give; skipped")]
        public static partial void LinkSkipped(ILogger logger, string path);
    }
}
