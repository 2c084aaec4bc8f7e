using System.Collections.Frozen;

namespace Sluice.Core.Config;

/// <summary>
/// Every option sr3 knows, with its kind, and the legacy (v2, underscore) names that map to today's. An option not
/// in this table is unknown: sr3 warns about it and so does Sluice.
/// </summary>
internal static class Options
{
    private static readonly string[] Counts =
    [
        "batch", "count", "exchangeSplit", "instances", "logRotateCount", "no", "post_exchangeSplit", "prefetch", "messageCountMax",
        "runStateThreshold_cpuSlow", "runStateThreshold_disconnected", "runStateThreshold_reject", "runStateThreshold_retry",
        "runStateThreshold_slow", "attempts", "retryCountMax", "receiveMaximum", "max_inflight_messages", "max_queued_messages", "qos",
    ];

    private static readonly string[] Flags =
    [
        "acceptSizeWrong", "acceptUnmatched", "amqp_consumer", "baseUrl_relPath", "debug", "delete", "discard", "download", "dry_run",
        "durable", "exchangeDeclare", "follow_symlinks", "force_polling", "inline", "inlineOnly", "inplace", "logJson", "logMetrics",
        "logReject", "logStdout", "restore", "messageDebugDump", "mirror", "nofsetstat", "notify_only", "overwrite", "post_on_start",
        "permCopy", "persistent", "queueBind", "queueDeclare", "randomize", "recursive", "realpathFilter", "realpathPost", "reconnect",
        "report", "reset", "retry_refilter", "retryEmptyBeforeExit", "save", "sundew_compat_regex_first_match_is_zero",
        "sourceFromExchange", "sourceFromMessage", "statehost", "timeCopy", "topicCopy", "users", "v2compatRenameDoublePost", "wololo",
        "auto_delete", "clean_session", "logDuplicates", "dataServerWrite",
    ];

    private static readonly string[] Floats = ["messageRateMax", "messageRateMin"];

    private static readonly string[] Durations =
    [
        "expire", "housekeeping", "logRotateInterval", "fileAgeMax", "fileAgeMin", "messageAgeMax", "post_messageAgeMax",
        "metrics_writeInterval", "runStateThreshold_idle", "runStateThreshold_lag", "retry_ttl", "runStateThreshold_hung", "sleep",
        "timeout", "varTimeOffset", "scheduled_interval", "nodupe_ttl", "run_timeout",
    ];

    private static readonly string[] Lists = ["path", "vip", "scheduled_hour", "scheduled_minute", "scheduled_time", "msgToClusters"];

    private static readonly string[] Sets = ["logEvents", "fileEvents"];

    private static readonly string[] Octals = ["permDefault", "permDirDefault", "permLog"];

    private static readonly string[] Sizes = ["accelThreshold", "blockSize", "bufSize", "byteRateMax", "fileSizeMax", "inlineByteMax"];

    private static readonly string[] Strings =
    [
        "accelCpCommand", "accelWgetCommand", "accelScpCommand", "action", "admin", "baseDir", "baseUrl", "broker", "cluster",
        "directory", "exchange", "exchangeSuffix", "feeder", "filename", "flatten", "flowMain", "header", "hostname", "httpsSafeQuote",
        "identity", "identity_arbitrary_value", "inlineEncoding", "logFormat", "logLevel", "pollUrl", "post_baseUrl", "post_baseDir", "post_broker",
        "post_exchange", "post_exchangeSuffix", "post_format", "post_topic", "post_topicPrefix", "queueName", "queueShare", "queueType",
        "sendTo", "rename", "report_exchange", "report_broker", "source", "strip", "timezone", "nodupe_driver", "nodupe_basis", "tlsRigour", "topic",
        "topicPrefix", "documentRoot", "post_documentRoot", "to_clusters", "outlet", "remote_config_url", "MemoryMax", "MemoryMultiplier",
        "MemoryBaseLineFile", "pathReplace", "fdelay", "dataServer",
        "run_accept", "run_accept_item", "run_housekeeping", "run_post", "run_quarantine", "run_scan_item", "run_start", "run_stop",
        "run_work", "run_work_item",
    ];

    private static readonly string[] Specials =
    [
        "accept", "reject", "subtopic", "include", "declare", "set", "callback", "callback_prepend", "flowCallback", "flowcb",
        "flowCallbackPrepend", "import",
    ];

    /// <summary>v2 plugin entry points: sr3 runs them through a wrapper; Sluice reports them as needing conversion.</summary>
    public static readonly FrozenSet<string> V2PluginOptions = new[]
    {
        "do_download", "do_get", "do_poll", "do_put", "do_send", "on_message", "on_file", "on_heartbeat", "on_housekeeping",
        "on_html_page", "on_part", "on_post", "on_report", "on_start", "on_stop", "on_watch", "plugin", "on_line", "on_msg", "do_task", "do_data",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Old names (v2, underscores) on the left, today's on the right, as sr3 maps them.</summary>
    public static readonly FrozenDictionary<string, string> Synonyms = new Dictionary<string, string>
    {
        ["accel_cp_command"] = "accelCpCommand",
        ["accel_scp_command"] = "accelScpCommand",
        ["accel_wget_command"] = "accelWgetCommand",
        ["accel_cp_threshold"] = "accelThreshold",
        ["accel_scp_threshold"] = "accelThreshold",
        ["accel_wget_threshold"] = "accelThreshold",
        ["accel_threshold"] = "accelThreshold",
        ["accept_unmatch"] = "acceptUnmatched",
        ["accept_unmatched"] = "acceptUnmatched",
        ["at"] = "attempts",
        ["b"] = "broker",
        ["bd"] = "baseDir",
        ["basedir"] = "baseDir",
        ["base_dir"] = "baseDir",
        ["baseurl"] = "baseUrl",
        ["bind_queue"] = "queueBind",
        ["blocksize"] = "blockSize",
        ["bufsize"] = "bufSize",
        ["cache"] = "nodupe_ttl",
        ["c"] = "include",
        ["cb"] = "nodupe_basis",
        ["cache_basis"] = "nodupe_basis",
        ["caching"] = "nodupe_ttl",
        ["chmod"] = "permDefault",
        ["chmod_dir"] = "permDirDefault",
        ["chmod_log"] = "permLog",
        ["content"] = "inline",
        ["content_encoding"] = "inlineEncoding",
        ["content_max"] = "inlineByteMax",
        ["d"] = "discard",
        ["declare_exchange"] = "exchangeDeclare",
        ["declare_queue"] = "queueDeclare",
        ["default_mode"] = "permDefault",
        ["default_dir_mode"] = "permDirDefault",
        ["default_log_mode"] = "permLog",
        ["destination_timezone"] = "timezone",
        ["document_root"] = "documentRoot",
        ["download-and-discard"] = "discard",
        ["download_cp_command"] = "accelCpCommand",
        ["e"] = "fileEvents",
        ["events"] = "fileEvents",
        ["ex"] = "exchange",
        ["exchange_split"] = "exchangeSplit",
        ["exchange_suffix"] = "exchangeSuffix",
        ["expiry"] = "expire",
        ["file_time_limit"] = "fileAgeMax",
        ["nodupe_fileAgeMax"] = "fileAgeMax",
        ["nodupe_fileAgeMin"] = "fileAgeMin",
        ["fp"] = "force_polling",
        ["fs"] = "follow_symlinks",
        ["heartbeat"] = "housekeeping",
        ["hb_memory_baseline_file"] = "MemoryBaseLineFile",
        ["hb_memory_max"] = "MemoryMax",
        ["hb_memory_multiplier"] = "MemoryMultiplier",
        ["imx"] = "inlineByteMax",
        ["inl"] = "inline",
        ["inline_encoding"] = "inlineEncoding",
        ["inline_max"] = "inlineByteMax",
        ["instance"] = "instances",
        ["lock"] = "inflight",
        ["log_format"] = "logFormat",
        ["ll"] = "logLevel",
        ["loglevel"] = "logLevel",
        ["log_reject"] = "logReject",
        ["logdays"] = "logRotateCount",
        ["log_rotate"] = "logRotateCount",
        ["logRotate"] = "logRotateCount",
        ["logRotate_interval"] = "logRotateInterval",
        ["message-ttl"] = "post_messageAgeMax",
        ["message_ttl"] = "post_messageAgeMax",
        ["msg_replace_new_dir"] = "pathReplace",
        ["msg_fdelay"] = "fdelay",
        ["n"] = "no_download",
        ["nd"] = "nodupe_ttl",
        ["no_duplicates"] = "nodupe_ttl",
        ["o"] = "overwrite",
        ["p"] = "path",
        ["pm"] = "permCopy",
        ["post_base_dir"] = "post_baseDir",
        ["post_basedir"] = "post_baseDir",
        ["post_base_url"] = "post_baseUrl",
        ["post_baseurl"] = "post_baseUrl",
        ["post_document_root"] = "post_documentRoot",
        ["post_exchange_split"] = "post_exchangeSplit",
        ["post_exchange_suffix"] = "post_exchangeSuffix",
        ["post_rate_limit"] = "messageRateMax",
        ["post_topic_prefix"] = "post_topicPrefix",
        ["preserve_mode"] = "permCopy",
        ["preserve_time"] = "timeCopy",
        ["pt"] = "timeCopy",
        ["qn"] = "queueName",
        ["queue"] = "queueName",
        ["queue_name"] = "queueName",
        ["realpath"] = "realpathPost",
        ["realpath_filter"] = "realpathFilter",
        ["realpath_post"] = "realpathPost",
        ["remoteUrl"] = "sendTo",
        ["report_back"] = "report",
        ["sanity_log_dead"] = "runStateThreshold_hung",
        ["sd"] = "nodupe_ttl",
        ["sdb"] = "nodupe_basis",
        ["simulate"] = "dry_run",
        ["simulation"] = "dry_run",
        ["source_from_exchange"] = "sourceFromExchange",
        ["sum"] = "identity",
        ["suppress_duplicates"] = "nodupe_ttl",
        ["suppress_duplicates_basis"] = "nodupe_basis",
        ["tls_rigour"] = "tlsRigour",
        ["topic_prefix"] = "topicPrefix",
        ["integrity"] = "identity",
        ["post_url"] = "post_baseUrl",
        ["destination"] = "sendTo",
        ["to"] = "to_clusters",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, OptionKind> Kinds = Build();

    private static FrozenDictionary<string, OptionKind> Build()
    {
        var kinds = new Dictionary<string, OptionKind>(StringComparer.Ordinal);
        void Add(string[] names, OptionKind kind)
        {
            foreach (var name in names)
            {
                kinds[name] = kind;
            }
        }

        Add(Strings, OptionKind.String);
        Add(Counts, OptionKind.Count);
        Add(Flags, OptionKind.Flag);
        Add(Floats, OptionKind.Float);
        Add(Durations, OptionKind.Duration);
        Add(Lists, OptionKind.List);
        Add(Sets, OptionKind.Set);
        Add(Octals, OptionKind.Octal);
        Add(Sizes, OptionKind.Size);
        Add(Specials, OptionKind.Special);
        kinds["inflight"] = OptionKind.String;
        kinds["no_download"] = OptionKind.Flag;
        return kinds.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every option by today's name.</summary>
    public static IEnumerable<string> Names => Kinds.Keys;

    /// <summary>Today's name of an option (legacy names mapped), and its kind; null when sr3 does not know it.</summary>
    public static (string Name, OptionKind Kind)? Lookup(string name)
    {
        var canonical = Synonyms.TryGetValue(name, out var modern) ? modern : name;
        if (Kinds.TryGetValue(canonical, out var kind))
        {
            return (canonical, kind);
        }

        // sr3 is case-sensitive but tolerates the all-lowercase spelling of camelCase names.
        foreach (var (known, knownKind) in Kinds)
        {
            if (string.Equals(known, canonical, StringComparison.OrdinalIgnoreCase))
            {
                return (known, knownKind);
            }
        }

        return null;
    }
}
