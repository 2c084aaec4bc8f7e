using System.Collections.Frozen;

namespace Sluice.Core.Components;

/// <summary>
/// Every callback sr3 ships (the modules under <c>sarracenia/flowcb/</c>, sr3 3.00.56) and what Sluice does with its
/// name: the engine's own work, a Sluice callback of that name, or a refusal that says what to use instead.
/// docs/flows.md has the same table for users.
/// </summary>
internal static class Sr3Callbacks
{
    private static readonly FrozenSet<string> Subscribing = ConfigMapping.SubscribingComponents.ToFrozenSet(StringComparer.Ordinal);

    private const string SelfTest = "one of sr3's own self-test or example callbacks (sr_insects flow tests); Sluice has no equivalent";

    private const string SiteApi = "a poll of one site's web API; Sluice's poll lists directories of pollUrl (sftp, ftp, ftps, http, https, file) and has no site-specific polls";

    private const string S3 = "S3 is not one of Sluice's transfer protocols (sftp, ftp, ftps, http, https, file)";

    private const string BearerToken = "bearer-token logins are not supported; Sluice logs in with the user and password that credentials.conf has for the URL";

    private const string Scheduled = "sr3's scheduled flow (URLs posted at set times, without listing) is not supported; a poll configuration lists pollUrl every sleep or at scheduled_interval, scheduled_hour/scheduled_minute or scheduled_time";

    private const string Rename = "renaming by callback is not supported; use rename (with sr3's ${...} variables), filename, directory, strip or flatten";

    private const string DestFn = "destfn scripts do not run; use rename (with sr3's ${...} variables), filename, directory, strip or flatten";

    public static readonly FrozenDictionary<string, Sr3Callback> All = new Sr3Callback[]
    {
        // The engine's own work.
        Engine("log", "the flow logs sr3's event lines itself (logLevel)"),
        Engine("gather.message", "a flow fed by a broker consumes its queue itself", Subscribing,
            "a watch, poll or post gathers from files or a server, not from a broker queue: use a subscribe, sarra, shovel or sender configuration"),
        Engine("gather.file", "the watch (or post) reads the tree named by path itself", Set("watch", "post"),
            "Sluice reads a directory tree only in a watch or post configuration (watch/NAME.conf with path, post_baseUrl, post_broker)"),
        Engine("poll", "the poll component lists pollUrl itself", Set("poll"), "use a poll configuration (poll/NAME.conf with pollUrl and path)"),
        Engine("post.message", "the flow posts to post_broker and post_exchange itself"),
        Engine("nodupe", "the flow's nodupe cache (nodupe_ttl, nodupe_basis), kept on disk"),
        Engine("nodupe.disk", "the flow's nodupe cache (nodupe_ttl, nodupe_basis), kept on disk"),
        Engine("retry", "the flow's retry queues on disk (attempts, retry_ttl, retryCountMax)"),
        Engine("block_reassembly", "the download stage reassembles a file posted in blocks: each block is written at its offset and the file goes on once whole (the other blocks are rejected 307)",
            Set("subscribe", "sarra", "flow"), "blocks are reassembled where files are downloaded: a subscribe, sarra or flow with download on"),

        // Sluice callbacks of the same name.
        BuiltIn("run", "runs commands at flow points (run_start, run_work_item, run_scan_item, ...)"),
        BuiltIn("accept.toclusters", "accepts only the messages whose to_clusters names this pump (msgToClusters, or cluster)"),

        // Refused: what to use instead.
        Refused("nodupe.name", "use nodupe_basis name"),
        Refused("nodupe.data", "use nodupe_basis data"),
        Refused("nodupe.redis", "a nodupe cache shared through redis is not supported; each flow keeps its own on disk (nodupe_ttl)"),
        Refused("housekeeping.resources", "restarting a flow over MemoryMax is not supported; a Sluice flow's memory is bounded by prefetch and batch, and the daemon restarts a flow that fails: remove the line"),
        Refused("report", "use report on (with report_broker and report_exchange)"),
        Refused("work.delete", "use delete on (the source is removed once downloaded) or discard on (the downloaded file is removed once posted)"),
        Refused("accept.delete", "use delete on (the source is removed once downloaded) or discard on (the downloaded file is removed once posted)"),
        Refused("clamav", "use callback run with run_scan_item /usr/bin/clamdscan --no-summary (a file that fails the scan is quarantined and not announced)"),
        Refused("work.rxpipe", "use callback run with run_work_item (a command run for each file received)"),
        Refused("work.age", "file ages are not logged; the lag of each message is in the after_accept log line and in sluice status"),
        Refused("work.check", SelfTest),
        Refused("work.citypage_check", "a check of one site's citypage files; Sluice has no equivalent: use callback run with run_work_item"),
        Refused("work.send_egc_les", "a site-specific sender; Sluice has no equivalent: use callback run with run_work_item"),
        Refused("accept.printlag", "the lag of each message is in the after_accept log line and in sluice status"),
        Refused("accept.speedo", "message and byte rates are in sluice status and the daemon's metrics"),
        Refused("accept.save", "writing the queue to a file is not supported: sluice stop the flow and its durable queue keeps the messages on the broker"),
        Refused("accept.postoverride", "use header name=value (fields set on every message posted)"),
        Refused("accept.renamewhatfn", Rename),
        Refused("accept.renamedmf", Rename),
        Refused("accept.rename4jicc", Rename),
        Refused("accept.dateappend", Rename),
        Refused("accept.hourtree", Rename),
        Refused("accept.posthourtree", Rename),
        Refused("accept.wmotypesuffix", Rename),
        Refused("accept.bc_trans", Rename),
        Refused("rename.raw2bulletin", Rename),
        Refused("destfn.sample", DestFn),
        Refused("destfn.replace", DestFn),
        Refused("accept.pathreplace", "rewriting paths in messages (pathReplace) is not supported; use strip, flatten, directory or rename"),
        Refused("accept.httptohttps", "rewriting baseUrl from http to https is not supported"),
        Refused("accept.sftp_absolute", "rewriting sftp baseUrls to absolute paths is not supported"),
        Refused("accept.tolocalfile", "rewriting URLs into file: URLs is not supported"),
        Refused("accept.downloadbaseurl", "downloading the baseUrl itself is not supported; the download stage fetches baseUrl + relPath"),
        Refused("accept.distbydir", "post_exchangeSplit by directory is not supported"),
        Refused("accept.trim_legacy_fields", "trimming fields is not supported; Sluice posts the v03 fields sr3 posts"),
        Refused("accept.sundewpxroute", "MetPX-Sundew routing tables (pxRouting) are not supported; use accept and reject"),
        Refused("accept.longflow", SelfTest),
        Refused("accept.testretry", SelfTest),
        Refused("filter.fdelay", "delaying messages (fdelay) is not supported"),
        Refused("mdelaylatest", "delaying messages (mdelay) is not supported"),
        Refused("filter.geometry", "filtering by GeoJSON geometry is not supported; use accept and reject"),
        Refused("filter.wmo00_accumulate", "WMO-00 bulletin files are not supported"),
        Refused("filter.wmo00_split", "WMO-00 bulletin files are not supported"),
        Refused("filter.wmo2msc", "converting WMO bulletins is not supported: use callback run with run_work_item"),
        Refused("filter.deleteflowfiles", SelfTest),
        Refused("filter.pclean_f90", SelfTest),
        Refused("filter.pclean_f92", SelfTest),
        Refused("pclean", SelfTest),
        Refused("sample", SelfTest),
        Refused("gather.am", "the MetPX-Sundew AM socket protocol is not supported"),
        Refused("send.am", "the MetPX-Sundew AM socket protocol is not supported"),
        Refused("send.email", "sending files by email is not supported: use callback run with run_work_item"),
        Refused("send.s3CloudSender", S3),
        Refused("poll.s3bucket", S3),
        Refused("poll.copernicus_marine_s3", S3),
        Refused("poll.nexrad", S3),
        Refused("poll.airnow", SiteApi),
        Refused("poll.eumetsat", SiteApi),
        Refused("poll.mail", "polling a mail server (pop3, imap) is not supported"),
        Refused("download.mail_ingest", "fetching mail (pop3, imap) is not supported"),
        Refused("poll.nasa_cmr", SiteApi),
        Refused("poll.nasa_mls_nrt", SiteApi),
        Refused("poll.noaa_hydrometric", SiteApi),
        Refused("poll.odata", SiteApi),
        Refused("poll.usgs", SiteApi),
        Refused("gather.usgs", SiteApi),
        Refused("poll.rate_limit", "the poll lists once every sleep (or at its scheduled_* times); a separate rate limit is not supported"),
        Refused("scheduled", Scheduled),
        Refused("scheduled.poll", Scheduled),
        Refused("scheduled.http_with_metadata", Scheduled),
        Refused("scheduled.wiski", Scheduled),
        Refused("authenticate.bc_trans", BearerToken),
        Refused("authenticate.copernicus", BearerToken),
        Refused("authenticate.eumetsat", BearerToken),
        Refused("authenticate.nasa_earthdata", BearerToken),
        Refused("rootchown", "changing the owner of files received is not supported (files belong to the user running the flow)"),
        Refused("rxqueue_gzip", "compressing files into a queue is not supported: use callback run with run_work_item"),
        Refused("shiftdir2baseurl", "moving directories from relPath into baseUrl is not supported; use strip on the subscribing side"),
        Refused("wistree", "the GTS-to-WIS directory tree is not supported"),
        Refused("trace_on_stop", "a Python debugging aid; Sluice has no equivalent"),
        Refused("v2wrapper", "v2 plugins do not run in Sluice: sluice convert lists them, to be replaced by options or callback run"),
    }.ToFrozenDictionary(c => c.Name, StringComparer.Ordinal);

    private static FrozenSet<string> Set(params string[] components) => components.ToFrozenSet(StringComparer.Ordinal);

    private static Sr3Callback Engine(string name, string what, IReadOnlySet<string>? components = null, string? elsewhere = null) =>
        new(name, Sr3CallbackKind.Engine, what, components, elsewhere);

    private static Sr3Callback BuiltIn(string name, string what) => new(name, Sr3CallbackKind.BuiltIn, what);

    private static Sr3Callback Refused(string name, string instead) => new(name, Sr3CallbackKind.Refused, instead);
}
