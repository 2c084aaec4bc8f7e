using Sluice.Core.Config;
using Sluice.Core.Flows;

namespace Sluice.Core.Components;

/// <summary>
/// sr3's <c>callback accept.toclusters</c>, source routing on a pump: after accept, only the messages whose
/// <c>to_clusters</c> names this pump go on; the others are rejected (403, logged, acknowledged). The names of this
/// pump are <c>msgToClusters</c> (sr3's option, one or more lines, each a name or a comma-separated list), or else its
/// <c>cluster</c>. A message's <c>to_clusters</c> may name several pumps, comma-separated (sr3 compares the whole text).
/// </summary>
internal sealed class ToClustersCallback(IReadOnlySet<string> clusters) : IFlowCallback
{
    public string Name => "accept.toclusters";

    /// <summary>The pump's names as the configuration gives them.</summary>
    public IReadOnlySet<string> Clusters => clusters;

    /// <exception cref="ConfigException">The configuration names no cluster.</exception>
    public static ToClustersCallback Create(CallbackContext? context)
    {
        var config = context?.Config;
        IReadOnlyList<string> names = config?.List("msgToClusters") is { Count: > 0 } list ? list
            : config?.String("cluster") is { Length: > 0 } cluster ? Split(cluster)
            : [];
        if (names.Count == 0)
        {
            throw new ConfigException([new ConfigDiagnostic(config?.File ?? "(command line)", 0, true,
                "callback accept.toclusters needs the names of this pump: msgToClusters NAME (or cluster NAME)")]);
        }

        return new ToClustersCallback(new HashSet<string>(names, StringComparer.Ordinal));
    }

    public ValueTask AfterAcceptAsync(Worklist worklist, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(worklist);
        worklist.Incoming.RemoveAll(item =>
        {
            var to = item.Message.ToClusters;
            if (to is not null && Split(to).Any(clusters.Contains))
            {
                return false;
            }

            Worklist.Reject(item, ReportCodes.Refused, to is null
                ? "no to_clusters: not routed to this pump"
                : $"to_clusters {to} does not name this pump ({string.Join(",", clusters)})");
            worklist.Rejected.Add(item);
            return true;
        });
        return ValueTask.CompletedTask;
    }

    private static List<string> Split(string text) => [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
