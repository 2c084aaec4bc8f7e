using System.Net;
using Sluice.Core.Checksums;
using Sluice.Core.Config;
using Sluice.Core.Transfers;

namespace Sluice.Core.Components;

/// <summary>sr3 poll's options: which server and directories to list, when, and how to announce what is new.</summary>
internal sealed record PollOptions
{
    /// <summary>The server to list (<c>pollUrl</c>; sr3's older <c>destination</c>).</summary>
    public required string PollUrl { get; init; }

    /// <summary>The directories to list (<c>path</c>), relative to the login directory or the URL's path unless absolute.</summary>
    public IReadOnlyList<string> Paths { get; init; } = ["."];

    /// <summary>List the subdirectories too (<c>recursive</c>).</summary>
    public bool Recursive { get; init; } = true;

    /// <summary>The URL announced messages point at (<c>post_baseUrl</c>; the pollUrl by default).</summary>
    public required string PostBaseUrl { get; init; }

    /// <summary>Removed from the front of listed paths to make relPaths (<c>post_baseDir</c>).</summary>
    public string? PostBaseDir { get; init; }

    /// <summary>The identity announced (<c>identity</c>): <c>cod,&lt;alg&gt;</c> by default (the receiver computes it).</summary>
    public IdentitySetting Identity { get; init; } = IdentitySetting.Parse("cod,sha512");

    /// <summary>The <c>source</c> field.</summary>
    public string? Source { get; init; }

    /// <summary>sr3's <c>rename</c>: the <c>rename</c> field of every message; ending in <c>/</c>, a directory the name is appended to.</summary>
    public string? Rename { get; init; }

    /// <summary>The <c>from_cluster</c> field (<c>cluster</c>).</summary>
    public string? FromCluster { get; init; }

    /// <summary>The <c>to_clusters</c> field.</summary>
    public string? ToClusters { get; init; }

    /// <summary>The time between polls (<c>sleep</c>) when no schedule is given.</summary>
    public TimeSpan Sleep { get; init; } = Defaults.PollSleep;

    /// <summary>The time between polls (<c>scheduled_interval</c>); zero: use <see cref="Sleep"/>.</summary>
    public TimeSpan ScheduledInterval { get; init; }

    /// <summary>Poll at these hours of the day, UTC (<c>scheduled_hour</c>); with no minutes, on the hour.</summary>
    public IReadOnlyList<int> ScheduledHours { get; init; } = [];

    /// <summary>Poll at these minutes (<c>scheduled_minute</c>); with no hours, every hour.</summary>
    public IReadOnlyList<int> ScheduledMinutes { get; init; } = [];

    /// <summary>Poll at these times of day, UTC (<c>scheduled_time</c>, HH:MM).</summary>
    public IReadOnlyList<TimeSpan> ScheduledTimes { get; init; } = [];

    /// <summary>Files modified more recently than this are left for a later poll (<c>fileAgeMin</c>).</summary>
    public TimeSpan FileAgeMin { get; init; }

    /// <summary>Files older than this are not announced (<c>fileAgeMax</c>); zero: no limit.</summary>
    public TimeSpan FileAgeMax { get; init; }

    /// <summary>
    /// sr3's <c>timezone</c>: the zone of the times an http index or an ftp listing shows (null: UTC). sftp and file
    /// listings carry true times and are not shifted.
    /// </summary>
    public TimeZoneInfo? ListingTimeZone { get; init; }

    /// <summary>Only the node holding one of these addresses polls (<c>vip</c>); empty: always poll.</summary>
    public IReadOnlyList<IPAddress> Vip { get; init; } = [];

    /// <summary>The server's transfer settings (credentials, timeouts) for a URL.</summary>
    public Func<string, TransferOptions> ServerOptions { get; init; } = url => new TransferOptions { Url = url };

    /// <summary>Where the transfer is created: the flow builder's registry (Core's file and http when none is given).</summary>
    public TransferRegistry Transfers { get; init; } = TransferRegistry.CreateDefault();
}
