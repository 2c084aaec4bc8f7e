using System.Collections.Frozen;

namespace Sluice.Core.Config;

/// <summary>
/// The sr3 options Sluice does not apply, each with why and what to use instead. Every other option in
/// <see cref="Options"/> is applied (a test walks the table and fails for an option that is neither read when a flow is
/// built nor listed here). An option set to the value that is what Sluice does anyway (<c>follow_symlinks off</c>,
/// <c>randomize off</c>) says nothing; otherwise the loader reports it at its <c>file:line</c>: as an error when
/// ignoring it would move data differently than asked (the flow does not start), as a warning when it only tunes sr3's
/// own implementation (logging, memory, client internals). <c>sluice show</c> marks each one.
/// </summary>
internal static class OptionSupport
{
    private static readonly FrozenDictionary<string, NotApplied> Table = Build();

    /// <summary>Every option Sluice does not apply.</summary>
    public static IEnumerable<string> Names => Table.Keys;

    /// <summary>Why <paramref name="option"/> (today's name) is not applied, or null when it is.</summary>
    public static NotApplied? Find(string option) => Table.GetValueOrDefault(option);

    /// <summary>The diagnostic for <paramref name="option"/> set to <paramref name="value"/>, or null when it is applied or harmless.</summary>
    public static ConfigDiagnostic? Check(string option, object value, string file, int line, string writtenAs)
    {
        if (Find(option) is not { } notApplied || notApplied.IsHarmless(value))
        {
            return null;
        }

        var message = notApplied.Refused
            ? $"{writtenAs}: not supported by Sluice: {notApplied.Reason}"
            : $"{writtenAs}: not applied by Sluice (ignored): {notApplied.Reason}";
        return new ConfigDiagnostic(file, line, notApplied.Refused, message);
    }

    private static FrozenDictionary<string, NotApplied> Build()
    {
        var table = new Dictionary<string, NotApplied>(StringComparer.Ordinal);
        void Refuse(string reason, object? harmless, params string[] names)
        {
            foreach (var name in names)
            {
                table[name] = new NotApplied(reason, true, harmless);
            }
        }

        void Ignore(string reason, params string[] names)
        {
            foreach (var name in names)
            {
                table[name] = new NotApplied(reason, false, null);
            }
        }

        // Options whose absence would move data differently than asked: refused, unless set to what Sluice does anyway.
        Refuse("queues are durable and go away when unused for expire; use expire", false, "auto_delete");
        Refuse("relPath is always relative to post_baseDir; use post_baseUrl and post_baseDir", false, "baseUrl_relPath");
        Refuse("Sluice's MQTT sessions are kept between connections (the queue's durability)", false, "clean_session");
        Refuse("a v2 option; use baseDir (the local tree a sender reads from)", null, "documentRoot");
        Refuse("a v2 option; use post_baseDir", null, "post_documentRoot");
        Refuse("nothing is simulated; sluice show prints what a configuration resolves to", false, "dry_run");
        Refuse("one queue is bound per configuration; write one exchange and subtopic pair per exchange", 1L, "exchangeSplit");
        Refuse("sr3's fdelay callback is not supported; use fileAgeMin to wait for files to settle, or messageAgeMax", null, "fdelay");
        Refuse("symbolic links are announced as links (fileOp link), not followed", false, "follow_symlinks");
        Refuse("file attributes are set after each transfer; use timeCopy off and permCopy off not to copy them", false, "nofsetstat");
        Refuse("paths are rewritten with rename, strip, flatten and directory", null, "pathReplace");
        Refuse("messages are dropped by age where they are consumed: set messageAgeMax on the consuming flow", null, "post_messageAgeMax");
        Refuse("the topic is made from post_topicPrefix and the relPath", null, "post_topic");
        Refuse("a queue is shared between nodes by giving the same queueName to each", null, "queueShare");
        Refuse("messages are handled in the order they arrive", false, "randomize");
        Refuse("paths are announced as given; give the real path in path and post_baseDir", false, "realpathPost", "realpathFilter");
        Refuse("configurations are files under the configuration directory (sluice add)", null, "remote_config_url");
        Refuse("messages are not saved instead of handled; what cannot be done waits in the retry queue", false, "save", "restore");
        Refuse("messages taken from the retry queue are not filtered again", false, "retry_refilter");
        Refuse("Sluice's regular expressions are .NET's, with groups counted from 1", false, "sundew_compat_regex_first_match_is_zero");
        Refuse("topics are made from post_topicPrefix and the relPath, never copied", false, "topicCopy");
        Refuse("a rename is announced once", false, "v2compatRenameDoublePost");
        Refuse("variables use the current time", null, "varTimeOffset");
        Refuse("each message carries its baseUrl; to announce under another URL use post_baseUrl", null, "baseUrl");
        Refuse("blocks are always written in place, into the file they belong to", true, "inplace");
        Refuse("a queue is bound with topicPrefix and subtopic", null, "topic");
        Refuse("the nodupe cache is kept on disk in the flow's state (nodupe_driver disk)", "disk", "nodupe_driver");
        Refuse("queues are RabbitMQ classic queues (queueType classic)", "classic", "queueType");

        // Tuning of sr3's own implementation: Sluice does the same job its own way, so these only warn.
        Ignore("Sluice does not restart flows on memory growth; memory is bounded by batch and prefetch", "MemoryBaseLineFile", "MemoryMax", "MemoryMultiplier");
        Ignore("no external transfer command is run: Sluice's own transfers run at the speed of cp, curl and sftp (docs/performance.md)", "accelCpCommand", "accelScpCommand", "accelWgetCommand", "accelThreshold");
        Ignore("a command of sr3, not a setting: use the sluice command (start, stop, foreground, ...)", "action");
        Ignore("Sluice always consumes with basic.consume and prefetch", "amqp_consumer");
        Ignore("a flow/ configuration runs as Sluice's flow component (subscribe with download and post); put it under the component's own directory (sarra/, poll/, sender/) to run that component", "flowMain");
        Ignore("Sluice names this machine by its host name", "hostname", "statehost");
        Ignore("URLs are quoted as RFC 3986 asks", "httpsSafeQuote");
        Ignore("inline content is text when it is UTF-8 and base64 otherwise (sr3's guess)", "inlineEncoding");
        Ignore("duplicates are logged as rejected: 304 at debug level; use logLevel debug to see them", "logDuplicates");
        Ignore("Sluice logs after_accept, after_work, after_post and housekeeping events; logLevel chooses how much", "logEvents");
        Ignore("log lines have one format that keeps sr3's wording (docs/operations.md)", "logFormat", "logJson");
        Ignore("metrics are read live from the daemon (sluice status, Prometheus text)", "logMetrics", "metrics_writeInterval");
        Ignore("sluice foreground logs to standard error and the daemon to files", "logStdout");
        Ignore("prefetch sets how many unacknowledged messages a subscription holds", "max_inflight_messages", "max_queued_messages", "receiveMaximum");
        Ignore("sluice decode prints a message in full", "messageDebugDump");
        Ignore("sluice status's states come from runStateThreshold_hung, _idle, _lag and _retry", "messageRateMin", "runStateThreshold_cpuSlow", "runStateThreshold_disconnected", "runStateThreshold_reject", "runStateThreshold_slow");
        Ignore("sluice post chooses its outlet on its command line (--outlet)", "outlet");
        Ignore("log files are created with the process's umask", "permLog");
        Ignore("messages are always published persistent", "persistent");
        Ignore("messages are sent and received at least once (QoS 1)", "qos");
        Ignore("flows always reconnect, with backoff", "reconnect");
        Ignore("sluice cleanup deletes a flow's queue and state", "reset");
        Ignore("the retry queue is kept on disk across restarts and tried again at start", "retryEmptyBeforeExit");
        Ignore("sluice declare --users declares the pump's users from admin.conf", "users");
        Ignore("an sr3 easter egg", "wololo");
        Ignore("set by sr3 for its own processes; the daemon numbers a flow's instances itself (instances)", "count", "no");
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
