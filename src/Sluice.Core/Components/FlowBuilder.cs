using Microsoft.Extensions.Logging;
using Sluice.Core.Brokers;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Transfers;
using Sluice.Core.Work;

namespace Sluice.Core.Components;

/// <summary>
/// The one way from a configuration to a running flow, for every component: the daemon, <c>sluice foreground</c>,
/// <c>sluice post</c>, the demo, the benchmarks and the tests all build flows here. A configuration becomes settings
/// (<see cref="ConfigMapping.ToSettings"/>, every error collected first), and settings become a <see cref="Flow"/>
/// that owns what it opened: disposing the flow closes its input, work, outputs and broker connections. Brokers and
/// transfers come from the <see cref="AdapterRegistry"/> it is given, callbacks from its <see cref="CallbackRegistry"/>
/// (a new one with Sluice's own callbacks when none is given).
/// </summary>
public sealed class FlowBuilder(SluicePaths paths, CredentialStore credentials, AdapterRegistry adapters, TimeProvider? time = null, CallbackRegistry? callbacks = null)
{
    private readonly AdapterRegistry _adapters = adapters ?? throw new ArgumentNullException(nameof(adapters));
    private readonly CallbackRegistry _callbacks = callbacks ?? new CallbackRegistry();

    /// <summary>The components a configuration can be built into.</summary>
    public static readonly IReadOnlySet<string> Components = new HashSet<string>(ConfigMapping.SubscribingComponents.Concat(ConfigMapping.AnnouncingComponents));

    /// <summary>Checks that the configuration makes a flow, so that a broken one shows at once with all its errors.</summary>
    /// <exception cref="ConfigException">Something the flow needs is missing or unusable.</exception>
    public void Validate(FlowConfig config) => _ = ConfigMapping.ToSettings(config, paths, credentials, 1, time, null, _callbacks, _adapters);

    /// <summary>
    /// Builds instance <paramref name="instance"/> of the configuration's flow. The flow disposes <paramref name="owned"/>
    /// after its own resources (the instance's log file); for post, <paramref name="postPaths"/> replace the <c>path</c> lines.
    /// </summary>
    /// <exception cref="ConfigException">Something the flow needs is missing or unusable.</exception>
    public Task<Flow> BuildAsync(
        FlowConfig config,
        int instance,
        ILogger logger,
        CancellationToken cancellationToken,
        IReadOnlyList<IAsyncDisposable>? owned = null,
        IReadOnlyList<string>? postPaths = null) =>
        BuildAsync(ConfigMapping.ToSettings(config, paths, credentials, instance, time, postPaths, _callbacks, _adapters), _adapters, logger, time, cancellationToken, new FlowExtras { Owned = owned ?? [] });

    /// <summary>Assembles a flow from its settings: its input, work, outputs, and what it owns; brokers and transfers from <paramref name="adapters"/>.</summary>
    internal static async Task<Flow> BuildAsync(FlowSettings settings, AdapterRegistry adapters, ILogger logger, TimeProvider? time, CancellationToken cancellationToken, FlowExtras? extras = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(adapters);
        extras ??= new FlowExtras();
        var owned = new List<IAsyncDisposable>();
        var brokers = new Dictionary<BrokerUrl, IBroker>();
        IBroker Broker(BrokerUrl url)
        {
            if (!brokers.TryGetValue(url, out var broker))
            {
                broker = adapters.Brokers.Create(url, logger, time);
                brokers[url] = broker;
            }

            return broker;
        }

        try
        {
            var input = await InputAsync(settings, Broker, adapters.Transfers, logger, time, cancellationToken).ConfigureAwait(false);
            owned.Add(input);

            IFlowOutput? output = extras.Output;
            if (output is null && settings.PostBroker is { } postUrl)
            {
                var format = MessageFormats.ByName(settings.PostFormat);
                var prefix = settings.PostTopicPrefix.Count > 0 ? settings.PostTopicPrefix : format.DefaultTopicPrefix;
                output = new BrokerOutput(await Broker(postUrl).CreatePublisherAsync(cancellationToken).ConfigureAwait(false), format, settings.PostExchanges, prefix);
            }

            if (output is not null)
            {
                owned.Add(output);
            }

            // The work opens no more connections to a server than the flow has workers.
            IFlowWork? work = settings.Download is { } download ? new DownloadWork(download, time, adapters.Transfers, settings.Flow.Concurrency)
                : settings.Send is { } send ? new SendWork(send, adapters.Transfers, settings.Flow.Concurrency)
                : settings.Component == "report" ? new ReportWork(logger)
                : null;
            if (work is IAsyncDisposable disposableWork)
            {
                owned.Add(disposableWork);
            }

            IFlowOutput? reports = null;
            if (settings.Flow.Report && settings.ReportBroker is { } reportUrl)
            {
                reports = new BrokerOutput(await Broker(reportUrl).CreatePublisherAsync(cancellationToken).ConfigureAwait(false), V03Format.Instance, [settings.ReportExchange], ["v03"]);
                owned.Add(reports);
            }

            // Broker connections close after the inputs and outputs that use them; what the caller gives goes last.
            var flow = new Flow(settings.Flow, input, work, output, logger, time, settings.Filter, [.. settings.Callbacks, .. extras.Callbacks], reports, [.. owned, .. brokers.Values, .. extras.Owned]);
            if (input is PollInput poll)
            {
                poll.Metrics = flow.Metrics;
            }

            return flow;
        }
        catch
        {
            // What the caller gave stays the caller's to close when no flow was made.
            foreach (var resource in owned.Concat(brokers.Values))
            {
                await resource.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static async Task<IFlowInput> InputAsync(FlowSettings settings, Func<BrokerUrl, IBroker> broker, TransferRegistry transfers, ILogger logger, TimeProvider? time, CancellationToken cancellationToken)
    {
        if (settings is { Broker: { } brokerUrl, Subscription: { } subscription })
        {
            return new BrokerInput(await broker(brokerUrl).SubscribeAsync(subscription, cancellationToken).ConfigureAwait(false), logger, time);
        }

        if (settings.Watch is { } watch)
        {
            return new WatchInput(watch, logger, time);
        }

        if (settings.Poll is { } poll)
        {
            return new PollInput(poll with { Transfers = transfers }, logger, time);
        }

        if (settings.Post is { } post)
        {
            return new PostInput(new FileAnnouncer(post.Announce, time), post.Paths, time, cancellationToken);
        }

        throw new ConfigException([new ConfigDiagnostic(settings.Flow.Name, 0, true, $"the {settings.Component} flow has no input (a broker subscription, a watch, a poll or files to post)")]);
    }
}
