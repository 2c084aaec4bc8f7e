using System.Globalization;

namespace Sluice.Core.Config;

/// <summary>
/// Each component's defaults, as sr3 sets them before reading a configuration: the flow's (sarracenia/flow, with
/// <c>mirror True</c>), then the component's own (subscribe alone turns <c>mirror</c> off).
/// </summary>
internal static class ComponentDefaults
{
    private static readonly string[] Common =
    [
        "acceptUnmatched on", $"attempts {Defaults.Attempts}", $"batch {Defaults.Batch}", $"prefetch {Defaults.Prefetch}", $"expire {Seconds(Defaults.Expire)}",
        $"housekeeping {Seconds(Defaults.Housekeeping)}", "topicPrefix v03", "post_topicPrefix v03", "post_format v03", $"instances {Defaults.Instances}",
        "durable on", "queueBind on", "queueDeclare on", "overwrite on", "timeCopy on", "permCopy on",
        "permDirDefault " + Convert.ToString(Defaults.PermDirDefault, 8), "logRotateCount 5", "logRotateInterval 1d",
        "logLevel info", "messageCountMax 0", "nodupe_ttl 0", "nodupe_basis path", "identity sha512", $"blockSize {Defaults.BlockSize}",
        $"inlineByteMax {Defaults.InlineByteMax}", $"bufSize {Defaults.BufSize}", $"timeout {Seconds(Defaults.Timeout)}", "tlsRigour medium",
        "fileEvents create,delete,link,mkdir,modify,rmdir", $"sleep {Seconds(Defaults.WatchSleep)}", $"retry_ttl {Seconds(Defaults.RetryTtl)}",
        "mirror on", "download off", "delete off", "report off", "recursive on", "strip 0", $"run_timeout {Seconds(Defaults.RunTimeout)}",
    ];

    private static readonly Dictionary<string, string[]> ByComponent = new(StringComparer.Ordinal)
    {
        ["subscribe"] = ["download on", "mirror off"],
        ["sarra"] = ["download on"],
        ["sender"] = ["download on"],
        ["shovel"] = ["download off"],
        ["winnow"] = ["download off", "nodupe_ttl 300"],
        ["report"] = ["download off"],
        ["poll"] = ["identity cod,sha512", "nodupe_ttl 7h", "fileAgeMax 30d", $"sleep {Seconds(Defaults.PollSleep)}"],
        ["post"] = ["download off"],
        ["watch"] = ["download off", $"sleep {Seconds(Defaults.WatchSleep)}"],
        ["flow"] = [],
    };

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString(CultureInfo.InvariantCulture);

    public static IEnumerable<ConfigEntry> For(string component)
    {
        var lines = Common.Concat(ByComponent.GetValueOrDefault(component, []));
        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            yield return new ConfigEntry(line[..space], line[(space + 1)..], $"<{component} defaults>", 0, line[..space]);
        }
    }
}
