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
        var declareUsers = new Option<bool>("--users") { Description = "First create the broker users of admin.conf's roles, with sr3's permissions (RabbitMQ)." };
        var declareManagement = new Option<string?>("--management") { Description = "RabbitMQ's management API (default http://ADMINHOST:15672/, https://ADMINHOST:15671/ for amqps)." };
        var declare = new Command("declare", "Declare the exchanges, queues and bindings the configurations use (AMQP).") { declareFlows, declareUsers, declareManagement };
        declare.SetAction(async (r, ct) =>
        {
            if (r.GetValue(declareUsers) && await UsersAsync(context, paths(), r.GetValue(declareManagement), delete: false, ct).ConfigureAwait(false) != 0)
            {
                return 1;
            }

            return await ForEachAsync(context, paths(), r.GetValue(declareFlows)!, DeclareAsync, ct).ConfigureAwait(false);
        });
        yield return declare;

        var cleanupFlows = new Argument<string[]>("flow") { Arity = ArgumentArity.ZeroOrMore, Description = "component/config (default: every enabled one)" };
        var cleanupUsers = new Option<bool>("--users") { Description = "Also delete the broker users admin.conf declares (not the admin)." };
        var cleanupManagement = new Option<string?>("--management") { Description = "RabbitMQ's management API (as for declare)." };
        var cleanup = new Command("cleanup", "Delete the queues of the configurations (and forget their names).") { cleanupFlows, cleanupUsers, cleanupManagement };
        cleanup.SetAction(async (r, ct) =>
        {
            var code = await ForEachAsync(context, paths(), r.GetValue(cleanupFlows)!, CleanupAsync, ct).ConfigureAwait(false);
            if (r.GetValue(cleanupUsers) && await UsersAsync(context, paths(), r.GetValue(cleanupManagement), delete: true, ct).ConfigureAwait(false) != 0)
            {
                return 1;
            }

            return code;
        });
        yield return cleanup;
    }

    /// <summary>
    /// <c>--users</c>: the users of admin.conf's roles (passwords from credentials.conf, on the admin's broker) created,
    /// or deleted, through RabbitMQ's management API as the admin; then admin.conf's <c>declare exchange</c> lines and
    /// each source's and subscriber's report exchange <c>xr_&lt;user&gt;</c>.
    /// </summary>
    private static async Task<int> UsersAsync(CliContext context, SluicePaths paths, string? management, bool delete, CancellationToken ct)
    {
        var adapters = Sluice.Daemon.Adapters.Create();
        PumpRoles roles;
        CredentialStore credentials;
        BrokerUrl admin;
        Uri? api = null;
        try
        {
            roles = PumpRoles.Load(paths);
            credentials = CredentialStore.Load(paths.CredentialsFile);
            if (roles.Admin is null)
            {
                throw new ConfigException([new ConfigDiagnostic(paths.AdminFile, 0, true, "--users needs the admin's broker: admin amqp://USER@HOST/ (its password in credentials.conf)")]);
            }

            admin = BrokerUrl.Parse(credentials.Complete(roles.Admin));
            if (admin.Scheme is not ("amqp" or "amqps"))
            {
                throw new ConfigException([new ConfigDiagnostic(paths.AdminFile, 0, true, $"admin {admin}: users are declared on RabbitMQ (amqp or amqps); the embedded broker takes them from a pump configuration")]);
            }

            if (management is not null && (!Uri.TryCreate(management, UriKind.Absolute, out api) || api.Scheme is not ("http" or "https")))
            {
                throw new ConfigException([new ConfigDiagnostic("--management", 0, true, $"{management} is not an http(s) URL")]);
            }
        }
        catch (Exception ex) when (ex is ConfigException or FormatException)
        {
            await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }

        var users = roles.WithPasswords(admin, credentials, out var missing);
        var failed = 0;
        if (!delete)
        {
            foreach (var url in missing)
            {
                await context.Error.WriteLineAsync($"{paths.CredentialsFile}: no password for {url}; that user is not declared").ConfigureAwait(false);
                failed++;
            }
        }

        using var managementApi = new Sluice.Brokers.Amqp.RabbitMqManagement(admin, api);
        try
        {
            foreach (var (name, role, password) in users)
            {
                if (delete)
                {
                    if (name != admin.User && await managementApi.DeleteUserAsync(name, ct).ConfigureAwait(false))
                    {
                        await context.Out.WriteLineAsync($"user {name} deleted from {admin}").ConfigureAwait(false);
                    }

                    continue;
                }

                var permissions = Sluice.Brokers.Amqp.AmqpPermissions.For(role, name);
                await managementApi.PutUserAsync(name, password, permissions.Tags, ct).ConfigureAwait(false);
                await managementApi.PutPermissionsAsync(name, permissions, ct).ConfigureAwait(false);
                await context.Out.WriteLineAsync($"user {name} ({role}) declared on {admin}: configure {permissions.Configure} write {permissions.Write} read {permissions.Read}").ConfigureAwait(false);
            }

            // Each source's and subscriber's report exchange too: they may write it, not declare it.
            var exchanges = roles.Exchanges.Concat(users.Select(u => Sluice.Brokers.Amqp.AmqpPermissions.ReportExchange(u.Role, u.Name)).OfType<string>()).Distinct(StringComparer.Ordinal).ToList();
            if (!delete && exchanges.Count > 0)
            {
                await using var broker = adapters.Brokers.Create(admin, NullLogger.Instance);
                foreach (var exchange in exchanges)
                {
                    await broker.DeclareExchangeAsync(exchange, durable: true, ct).ConfigureAwait(false);
                    await context.Out.WriteLineAsync($"exchange {exchange} declared on {admin}").ConfigureAwait(false);
                }
            }
        }
        catch (SluiceException ex)
        {
            await context.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }

        return failed == 0 ? 0 : 1;
    }

    private delegate Task StepAsync(CliContext context, SluicePaths paths, FlowConfig config, CredentialStore credentials, AdapterRegistry adapters, CancellationToken cancellationToken);

    private static async Task<int> ForEachAsync(CliContext context, SluicePaths paths, string[] names, StepAsync step, CancellationToken ct)
    {
        var adapters = Sluice.Daemon.Adapters.Create();
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
                await step(context, paths, ConfigLoader.Load(paths, component, name), credentials, adapters, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SluiceException or FormatException)
            {
                await context.Error.WriteLineAsync($"{flow}: {ex.Message}").ConfigureAwait(false);
                failed++;
            }
        }

        return failed == 0 ? 0 : 1;
    }

    private static async Task DeclareAsync(CliContext context, SluicePaths paths, FlowConfig config, CredentialStore credentials, AdapterRegistry adapters, CancellationToken ct)
    {
        if (config.String("post_broker") is { } postText)
        {
            var postUrl = BrokerUrl.Parse(credentials.Complete(postText));
            await using var postBroker = adapters.Brokers.Create(postUrl, NullLogger.Instance);
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

        var settings = ConfigMapping.ToSettings(config, paths, credentials, 1, adapters: adapters);
        if (settings is not { Broker: { } brokerUrl, Subscription: { } queue })
        {
            return;
        }

        await using var broker = adapters.Brokers.Create(brokerUrl, NullLogger.Instance);
        foreach (var exchange in queue.Bindings.Select(b => b.Exchange).Distinct())
        {
            await broker.DeclareExchangeAsync(exchange, durable: true, ct).ConfigureAwait(false);
        }

        // Subscribing declares the queue and binds it; closing at once returns anything delivered meanwhile.
        var subscription = await broker.SubscribeAsync(queue with { Prefetch = 1 }, ct).ConfigureAwait(false);
        await subscription.DisposeAsync().ConfigureAwait(false);
        await context.Out.WriteLineAsync($"{config.FullName}: queue {queue.QueueName} declared on {brokerUrl}, bound to {string.Join(", ", queue.Bindings.Select(b => $"{b.Exchange} {b.AmqpKey}"))}").ConfigureAwait(false);
    }

    private static async Task CleanupAsync(CliContext context, SluicePaths paths, FlowConfig config, CredentialStore credentials, AdapterRegistry adapters, CancellationToken ct)
    {
        if (config.String("broker") is null || !ConfigMapping.SubscribingComponents.Contains(config.Component))
        {
            return;
        }

        var settings = ConfigMapping.ToSettings(config, paths, credentials, 1, adapters: adapters);
        if (settings is not { Broker: { } brokerUrl, Subscription: { } queue })
        {
            return;
        }

        await using var broker = adapters.Brokers.Create(brokerUrl, NullLogger.Instance);
        await broker.DeleteQueueAsync(queue.QueueName, ct).ConfigureAwait(false);
        var state = paths.FlowState(config.Component, config.Name);
        foreach (var file in Directory.Exists(state) ? Directory.GetFiles(state, "*.qname") : [])
        {
            File.Delete(file);
        }

        await context.Out.WriteLineAsync($"{config.FullName}: queue {queue.QueueName} deleted from {brokerUrl}").ConfigureAwait(false);
    }
}
