using Microsoft.Extensions.Logging;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Logging;
using Sluice.Daemon.Supervision;

namespace Sluice.Daemon;

/// <summary>
/// The flows of the enabled configurations under the configuration directory. A configuration with errors becomes a
/// flow that shows as failed with its <c>file:line</c> errors; the others run. Each instance logs to
/// <c>log/&lt;component&gt;_&lt;config&gt;_NN.log</c> under the state directory.
/// </summary>
public sealed class ConfigCatalog(SluicePaths paths, ILogger logger, TimeProvider? time = null, bool logToFiles = true) : IFlowCatalog
{
    public IReadOnlyList<FlowDefinition> Load()
    {
        Adapters.RegisterAll();
        CredentialStore credentials;
        try
        {
            credentials = CredentialStore.Load(paths.CredentialsFile);
        }
        catch (ConfigException ex)
        {
            return [.. paths.List().Where(c => c.Enabled).Select(c => new FlowDefinition($"{c.Component}/{c.Name}", 1, null) { Error = ex.Message })];
        }

        var definitions = new List<FlowDefinition>();
        foreach (var (component, name, enabled) in paths.List())
        {
            if (!enabled)
            {
                continue;
            }

            definitions.Add(Define(component, name, credentials));
        }

        return definitions;
    }

    /// <summary>One configuration as a flow definition (or as a failed one, with its errors).</summary>
    public FlowDefinition Define(string component, string name, CredentialStore credentials)
    {
        Adapters.RegisterAll();
        var full = $"{component}/{name}";
        FlowConfig config;
        try
        {
            config = ConfigLoader.Load(paths, component, name, Variables.Context.Environment(time));
        }
        catch (ConfigException ex)
        {
            return new FlowDefinition(full, 1, null) { Error = ex.Message };
        }

        var instances = (int)Math.Max(1, config.Count("instances", 1));
        try
        {
            if (ConfigMapping.SubscribingComponents.Contains(component))
            {
                // Validate now, so a broken configuration shows at once instead of at every restart.
                _ = ConfigMapping.ToSettings(config, paths, credentials, 1, time);
                return new FlowDefinition(full, instances, (instance, ct) =>
                {
                    var (log, closer) = InstanceLogger(component, name, instance, config);
                    var settings = ConfigMapping.ToSettings(config, paths, credentials, instance, time);
                    return FlowFactory.CreateAsync(settings with { Callbacks = [.. settings.Callbacks, closer] }, log, time, ct);
                })
                { Fingerprint = config.Fingerprint };
            }

            if (InputComponents.Names.Contains(component))
            {
                InputComponents.Validate(config, credentials);
                return new FlowDefinition(full, 1, (instance, ct) =>
                {
                    var (log, closer) = InstanceLogger(component, name, instance, config);
                    return InputComponents.CreateAsync(config, paths, credentials, instance, log, time, [closer], ct);
                })
                { Fingerprint = config.Fingerprint };
            }

            return new FlowDefinition(full, 1, null) { Error = $"{config.File}: the {component} component does not run in the daemon yet" };
        }
        catch (ConfigException ex)
        {
            return new FlowDefinition(full, instances, null) { Error = ex.Message };
        }
    }

    /// <summary>The instance's log (its own file, rotated), and a callback that closes the file when the flow stops.</summary>
    private (ILogger Log, IFlowCallback Closer) InstanceLogger(string component, string name, int instance, FlowConfig config)
    {
        if (!logToFiles)
        {
            return (logger, new Closer());
        }

        var provider = new LogFileProvider(new LogFileOptions
        {
            Path = Path.Combine(paths.LogDirectory, LogFileOptions.FileName(component, name, instance)),
            Level = config.String("logLevel") switch
            {
                "debug" => LogLevel.Debug,
                "warning" or "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                "critical" => LogLevel.Critical,
                _ => LogLevel.Information,
            },
            RotateCount = (int)config.Count("logRotateCount", 5),
            RotateInterval = config.Duration("logRotateInterval", TimeSpan.FromDays(1)),
        }, time);
        return (provider.CreateLogger(component), new Closer(new DisposableAdapter(provider)));
    }

    private sealed class DisposableAdapter(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Closer(params IAsyncDisposable[] resources) : IFlowCallback
    {
        public string Name => "close";

        public async ValueTask OnStopAsync(CancellationToken cancellationToken)
        {
            foreach (var resource in resources)
            {
                await resource.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
