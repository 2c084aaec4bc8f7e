using System.Globalization;
using Sluice.Core.Transfers;

namespace Sluice.Core.Config;

/// <summary>
/// Each component's defaults, as sr3 sets them before reading a configuration: the flow's (sarracenia/flow, with
/// <c>mirror True</c>), then the component's own (subscribe alone turns <c>mirror</c> off).
/// </summary>
internal static class ComponentDefaults
{
    private static readonly string[] Common =
    [
        "acceptUnmatched on", "attempts 3", "batch 100", "prefetch 25", "expire 5m", "housekeeping 300",
        "topicPrefix v03", "post_topicPrefix v03", "post_format v03", "instances 1", "durable on", "queueBind on", "queueDeclare on",
        "overwrite on", "timeCopy on", "permCopy on", "permDirDefault 0775", "logRotateCount 5", "logRotateInterval 1d",
        "logLevel info", "messageCountMax 0", "nodupe_ttl 0", "nodupe_basis path", "identity sha512", "blockSize 1",
        "inlineByteMax 4096", "bufSize 1m", "timeout " + TransferOptions.DefaultTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), "tlsRigour medium", "fileEvents create,delete,link,mkdir,modify,rmdir",
        "sleep 0.1", "retry_ttl 5m", "mirror on", "download off", "delete off", "report off",
        "recursive on", "strip 0",
    ];

    private static readonly Dictionary<string, string[]> ByComponent = new(StringComparer.Ordinal)
    {
        ["subscribe"] = ["download on", "mirror off"],
        ["sarra"] = ["download on"],
        ["sender"] = ["download on"],
        ["shovel"] = ["download off"],
        ["winnow"] = ["download off", "nodupe_ttl 300"],
        ["report"] = ["download off"],
        ["poll"] = ["identity cod,sha512", "nodupe_ttl 7h", "fileAgeMax 30d", "sleep 300"],
        ["post"] = ["download off"],
        ["watch"] = ["download off", "sleep 0.1"],
        ["flow"] = [],
    };

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
