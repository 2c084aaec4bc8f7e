using Microsoft.Extensions.Logging;
using Sluice.Core.Brokers;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Transfers;

namespace Sluice.Core.Components;

/// <summary>Assembles a flow from its settings: broker input, work, broker output, and the resources to release.</summary>
public static class FlowFactory
{
    public static async Task<Flow> CreateAsync(FlowSettings settings, ILogger logger, TimeProvider? time, CancellationToken cancellationToken)
    {
        var resources = new List<IAsyncDisposable>();
        try
        {
            var broker = BrokerRegistry.Create(settings.Broker, logger, time);
            resources.Add(broker);
            var subscription = await broker.SubscribeAsync(settings.Subscription, cancellationToken).ConfigureAwait(false);
            var input = new BrokerInput(subscription, logger, time);

            IFlowOutput? output = null;
            if (settings.PostBroker is { } postUrl)
            {
                var postBroker = postUrl == settings.Broker ? broker : BrokerRegistry.Create(postUrl, logger, time);
                if (!ReferenceEquals(postBroker, broker))
                {
                    resources.Add(postBroker);
                }

                var format = MessageFormats.ByName(settings.PostFormat);
                var prefix = settings.PostTopicPrefix.Count > 0 ? settings.PostTopicPrefix : format.DefaultTopicPrefix;
                output = new BrokerOutput(await postBroker.CreatePublisherAsync(cancellationToken).ConfigureAwait(false), format, settings.PostExchanges, prefix);
            }

            IFlowWork? work = settings.Download is { } download ? new DownloadWork(download, time)
                : settings.Send is { } send ? new SendWork(send)
                : settings.Component == "report" ? new ReportWork(logger)
                : null;
            if (work is IAsyncDisposable disposableWork)
            {
                resources.Add(disposableWork);
            }

            IFlowOutput? reports = null;
            if (settings.Flow.Report && settings.ReportBroker is { } reportUrl)
            {
                var reportBroker = reportUrl == settings.Broker ? broker : BrokerRegistry.Create(reportUrl, logger, time);
                if (!ReferenceEquals(reportBroker, broker))
                {
                    resources.Add(reportBroker);
                }

                reports = new BrokerOutput(await reportBroker.CreatePublisherAsync(cancellationToken).ConfigureAwait(false), V03Format.Instance, [settings.ReportExchange], ["v03"]);
            }

            // The flow releases its input, output, work and broker connections when it stops.
            var owned = new List<IAsyncDisposable> { input };
            if (output is not null)
            {
                owned.Add(output);
            }

            if (reports is not null)
            {
                owned.Add(reports);
            }

            owned.AddRange(resources);
            var flowOptions = settings.Send is null ? settings.Flow : settings.Flow with { WorkVerb = "sent" };
            return new Flow(flowOptions, input, work, output, logger, time, settings.Filter, [.. settings.Callbacks, new Releaser(owned)], reports);
        }
        catch
        {
            foreach (var resource in resources)
            {
                await resource.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Releases the flow's resources when it stops.</summary>
    private sealed class Releaser(List<IAsyncDisposable> resources) : IFlowCallback
    {
        public string Name => "release";

        public async ValueTask OnStopAsync(CancellationToken cancellationToken)
        {
            foreach (var resource in resources)
            {
                await resource.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
