namespace Sluice.Core.Config;

/// <summary>
/// The default of every setting that has one, written once: the configuration's defaults (<see cref="ComponentDefaults"/>,
/// which a loaded configuration always starts from) are made from these, and the option records start from the same
/// values, so a flow built from settings and a flow built from a configuration agree.
/// </summary>
internal static class Defaults
{
    /// <summary><c>batch</c>: messages handled together.</summary>
    public const int Batch = 100;

    /// <summary><c>attempts</c>: in-line tries of a message's work before the retry queue.</summary>
    public const int Attempts = 3;

    /// <summary><c>prefetch</c>: messages delivered and not yet acknowledged.</summary>
    public const int Prefetch = 25;

    /// <summary><c>instances</c>.</summary>
    public const int Instances = 1;

    /// <summary><c>blockSize</c>: 1, one block whatever the size (0 would choose by size).</summary>
    public const long BlockSize = 1;

    /// <summary><c>inlineByteMax</c>: the largest file whose content is put in the message with <c>inline</c>.</summary>
    public const long InlineByteMax = 4096;

    /// <summary><c>bufSize</c>: the I/O buffer of transfers and checksums, in bytes.</summary>
    public const int BufSize = 1 << 20;

    /// <summary>The smallest and largest <c>bufSize</c> a flow uses (a value outside is brought inside).</summary>
    public const int BufSizeMin = 4096;

    /// <inheritdoc cref="BufSizeMin"/>
    public const int BufSizeMax = 64 << 20;

    /// <summary><c>permDirDefault</c>: the mode of the directories a flow makes (0775).</summary>
    public const int PermDirDefault = 0x1FD;

    /// <summary>Messages of work (downloads, sends) in progress at once in one instance; a post works one at a time.</summary>
    public const int Concurrency = 4;

    /// <summary><c>expire</c>: how long an unused queue or session is kept.</summary>
    public static readonly TimeSpan Expire = TimeSpan.FromMinutes(5);

    /// <summary><c>retry_ttl</c>: how long a message may wait in the retry queue.</summary>
    public static readonly TimeSpan RetryTtl = TimeSpan.FromMinutes(5);

    /// <summary><c>housekeeping</c>: how often a flow tidies its state and logs its counters.</summary>
    public static readonly TimeSpan Housekeeping = TimeSpan.FromMinutes(5);

    /// <summary><c>timeout</c>: sr3's 300 s for each operation of a transfer (connect, list, one read or write).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(300);

    /// <summary>A watch's <c>sleep</c>: how often it looks for changes when it polls, and how long it lets events settle.</summary>
    public static readonly TimeSpan WatchSleep = TimeSpan.FromMilliseconds(100);

    /// <summary>A poll's <c>sleep</c>: how often it lists the server.</summary>
    public static readonly TimeSpan PollSleep = TimeSpan.FromMinutes(5);

    /// <summary><c>run_timeout</c>: the longest a <c>run_*</c> command may take.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    /// <summary>How often the retry queue is tried when no new message comes.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long a receive waits for messages before the flow looks at its retry queue.</summary>
    public static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(1);
}
