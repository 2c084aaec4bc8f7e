using Sluice.Core.Config;
using Sluice.Core.Flows;

namespace Sluice.Core.Components;

/// <summary>sr3 watch's options: what to watch and which events to announce.</summary>
internal sealed record WatchOptions
{
    /// <summary>The trees to watch (<c>path</c>).</summary>
    public required IReadOnlyList<string> Paths { get; init; }

    /// <summary>How messages are built (post_baseUrl, post_baseDir, identity, ...).</summary>
    public required AnnounceOptions Announce { get; init; }

    /// <summary>The events to announce (<c>fileEvents</c>): create, modify, delete, link, mkdir, rmdir.</summary>
    public IReadOnlySet<string> FileEvents { get; init; } = new HashSet<string>(["create", "modify", "delete", "link", "mkdir", "rmdir"]);

    /// <summary>A file is announced once it has not changed for this long (<c>fileAgeMin</c>).</summary>
    public TimeSpan FileAgeMin { get; init; }

    /// <summary>Files being written under these names are ignored (<c>inflight</c>: a suffix such as <c>.tmp</c>, or a leading-dot prefix).</summary>
    public string? InflightSuffix { get; init; } = ".tmp";

    /// <summary>Ignore names starting with a dot (sr3's inflight <c>.</c> prefix convention).</summary>
    public bool IgnoreDotFiles { get; init; } = true;

    /// <summary>Announce what is already there when the watch starts (<c>post_on_start</c>).</summary>
    public bool PostOnStart { get; init; }

    /// <summary>Scan instead of using inotify (<c>force_polling</c>), every <see cref="Sleep"/>.</summary>
    public bool ForcePolling { get; init; }

    /// <summary>
    /// Where the watch keeps what it announced and saw posted (null: nowhere, and each start takes the tree as
    /// found as announced). With it, a watch that starts again announces what changed while it was not running.
    /// </summary>
    public string? StatePath { get; init; }

    /// <summary>How often pending events are checked and, when polling, the tree is scanned (<c>sleep</c>).</summary>
    public TimeSpan Sleep { get; init; } = Defaults.WatchSleep;
}
