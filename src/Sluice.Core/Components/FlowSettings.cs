using Sluice.Core.Brokers;
using Sluice.Core.Flows;
using Sluice.Core.Work;

namespace Sluice.Core.Components;

/// <summary>
/// Everything needed to assemble a flow of any component: where its messages come from (a broker subscription, a
/// watched tree, a polled server, or files to post), what work is done on them, and where they are posted. The third
/// configuration layer: derived from a validated configuration by <see cref="ConfigMapping.ToSettings"/>, assembled
/// by <see cref="FlowBuilder"/>.
/// </summary>
internal sealed record FlowSettings
{
    /// <summary>subscribe, sarra, sender, shovel, winnow, report, flow, watch, poll or post.</summary>
    public required string Component { get; init; }

    public required FlowOptions Flow { get; init; }

    /// <summary>The broker subscribed to (the broker-fed components); null for watch, poll and post.</summary>
    public BrokerUrl? Broker { get; init; }

    /// <summary>The queue and its bindings, with <see cref="Broker"/>.</summary>
    public SubscriptionOptions? Subscription { get; init; }

    /// <summary>A watch's trees and how it announces (watch).</summary>
    public WatchOptions? Watch { get; init; }

    /// <summary>The server a poll lists and how it announces (poll).</summary>
    public PollOptions? Poll { get; init; }

    /// <summary>The files a post announces (post).</summary>
    public PostSource? Post { get; init; }

    /// <summary>Download into a directory (subscribe, sarra); null for message-only flows (shovel, winnow).</summary>
    public DownloadOptions? Download { get; init; }

    /// <summary>Send to a remote server (sender); null for the other components.</summary>
    public SendOptions? Send { get; init; }

    /// <summary>Where reports go when <see cref="FlowOptions.Report"/> is on (<c>report_broker</c>, the broker by default); null: nowhere.</summary>
    public BrokerUrl? ReportBroker { get; init; }

    /// <summary><c>report_exchange</c>: <c>xr_&lt;user&gt;</c>, or <c>xreport</c> for a feeder or admin user.</summary>
    public string ReportExchange { get; init; } = "xreport";

    /// <summary>Where to post; null when the flow posts nothing (a plain subscribe).</summary>
    public BrokerUrl? PostBroker { get; init; }

    /// <summary><c>post_exchange</c> (several with <c>post_exchangeSplit</c>).</summary>
    public IReadOnlyList<string> PostExchanges { get; init; } = ["xpublic"];

    /// <summary><c>post_topicPrefix</c>; empty: the format's default.</summary>
    public IReadOnlyList<string> PostTopicPrefix { get; init; } = [];

    /// <summary><c>post_format</c>: v03, v02 or wis.</summary>
    public string PostFormat { get; init; } = "v03";

    /// <summary>The accept/reject filter.</summary>
    public Func<FlowMessage, FilterDecision>? Filter { get; init; }

    public IReadOnlyList<IFlowCallback> Callbacks { get; init; } = [];
}
