using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core;
using Sluice.Core.Brokers;
using Sluice.Core.Components;
using Sluice.Core.Config;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice declare</c> and <c>sluice cleanup</c>: create, or remove, on the brokers what the configurations use:
/// the exchanges they post to and the queues (with their bindings) they consume from.
/// </summary>
internal static class BrokerCommands
{
    public static IEnumerable<Command> Create(CliContext context, Func<SluicePaths> paths)
    {
        var declareFlows = new Argument<string[]>("flow") { Arity = ArgumentArity.ZeroOrMore, Description = "component/config (default: every enabled one)" };
        var declare = new Command("declare", "Declare the exchanges, queues and bindings the configurations use (AMQP).") { declareFlows };
        declare.SetAction(async (r, ct) => await ForEachAsync(context, paths(), r.GetValue(declareFlows)!, DeclareAsync, ct).ConfigureAwait(false));
        yield return declare;

        var cleanupFlows = new Argument<string[]>("flow") { Arity = ArgumentArity.ZeroOrMore, Description = "component/config (default: every enabled one)" };
        var cleanup = new Command("cleanup", "Delete the queues of the configurations (and forget their names).") { cleanupFlows };
        cleanup.SetAction(async (r, ct) => await ForEachAsync(context, paths(), r.GetValue(cleanupFlows)!, CleanupAsync, ct).ConfigureAwait(false));
        yield return cleanup;
    }

    private delegate Task StepAsync(CliContext context, SluicePaths paths, FlowConfig config, CredentialStore credentials, CancellationToken cancellationToken);

    private static async Task<int> ForEachAsync(CliContext context, SluicePaths paths, string[] names, StepAsync step, CancellationToken ct)
    {
        Sluice.Daemon.Adapters.RegisterAll();
        var flows = names.Length > 0 ? names.ToList() : paths.List().Where(c => c.Enabled).Select(c => $"{c.Component}/{c.Name}").ToList();
        var failed = 0;
        CredentialStore credentials;
        try
        {
            credentials = CredentialStore.Load(paths.CredentialsFile);
        }
        catch (ConfigException ex)
        {
            await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }

        foreach (var flow in flows)
        {
            if (!FlowName.TryParse(flow, context.Error, out var component, out var name))
            {
                failed++;
                continue;
            }

            try
            {
                await step(context, paths, ConfigLoader.Load(paths, component, name), credentials, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SluiceException or FormatException)
            {
                await context.Error.WriteLineAsync($"{flow}: {ex.Message}").ConfigureAwait(false);
                failed++;
            }
        }

        return failed == 0 ? 0 : 1;
    }

    private static async Task DeclareAsync(CliContext context, SluicePaths paths, FlowConfig config, CredentialStore credentials, CancellationToken ct)
    {
        if (config.String("post_broker") is { } postText)
        {
            var postUrl = BrokerUrl.Parse(credentials.Complete(postText));
            await using var postBroker = BrokerRegistry.Create(postUrl, NullLogger.Instance);
            var exchange = config.String("post_exchange") ?? "xpublic";
            var split = config.Count("post_exchangeSplit");
            foreach (var name in split > 1 ? Enumerable.Range(0, (int)split).Select(i => exchange + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)) : [exchange])
            {
                await postBroker.DeclareExchangeAsync(name, durable: true, ct).ConfigureAwait(false);
                await context.Out.WriteLineAsync($"{config.FullName}: exchange {name} declared on {postUrl}").ConfigureAwait(false);
            }
        }

        if (config.String("broker") is null || !ConfigMapping.SubscribingComponents.Contains(config.Component))
        {
            return;
        }

        var settings = ConfigMapping.ToSettings(config, paths, credentials, 1);
        await using var broker = BrokerRegistry.Create(settings.Broker, NullLogger.Instance);
        foreach (var exchange in settings.Subscription.Bindings.Select(b => b.Exchange).Distinct())
        {
            await broker.DeclareExchangeAsync(exchange, durable: true, ct).ConfigureAwait(false);
        }

        // Subscribing declares the queue and binds it; closing at once returns anything delivered meanwhile.
        var subscription = await broker.SubscribeAsync(settings.Subscription with { Prefetch = 1 }, ct).ConfigureAwait(false);
        await subscription.DisposeAsync().ConfigureAwait(false);
        await context.Out.WriteLineAsync($"{config.FullName}: queue {settings.Subscription.QueueName} declared on {settings.Broker}, bound to {string.Join(", ", settings.Subscription.Bindings.Select(b => $"{b.Exchange} {b.AmqpKey}"))}").ConfigureAwait(false);
    }

    private static async Task CleanupAsync(CliContext context, SluicePaths paths, FlowConfig config, CredentialStore credentials, CancellationToken ct)
    {
        if (config.String("broker") is null || !ConfigMapping.SubscribingComponents.Contains(config.Component))
        {
            return;
        }

        var settings = ConfigMapping.ToSettings(config, paths, credentials, 1);
        await using var broker = BrokerRegistry.Create(settings.Broker, NullLogger.Instance);
        await broker.DeleteQueueAsync(settings.Subscription.QueueName, ct).ConfigureAwait(false);
        var state = paths.FlowState(config.Component, config.Name);
        foreach (var file in Directory.Exists(state) ? Directory.GetFiles(state, "*.qname") : [])
        {
            File.Delete(file);
        }

        await context.Out.WriteLineAsync($"{config.FullName}: queue {settings.Subscription.QueueName} deleted from {settings.Broker}").ConfigureAwait(false);
    }
}
