using Microsoft.Extensions.Logging;
using Sluice.Core.Components;
using Sluice.Core.Config;
using Sluice.Core.Logging;
using Sluice.Daemon.Pump;
using Sluice.Daemon.Supervision;

namespace Sluice.Daemon;

/// <summary>
/// The flows of the enabled configurations under the configuration directory. A configuration with errors becomes a
/// flow that shows as failed with its <c>file:line</c> errors; the others run. Each instance logs to
/// <c>log/&lt;component&gt;_&lt;config&gt;_NN.log</c> under the state directory. A <c>pump/*.conf</c> becomes a service (its
/// broker and data server) started before the flows; when nothing names a broker, the <see cref="DefaultPump"/> is one.
/// Flows use the brokers and transfers of <paramref name="adapters"/> (every adapter, <see cref="Adapters.Create"/>, when
/// none is given).
/// </summary>
public sealed class ConfigCatalog(SluicePaths paths, ILogger logger, TimeProvider? time = null, bool logToFiles = true, AdapterRegistry? adapters = null) : IFlowCatalog
{
    /// <summary>The options that name a broker or server a flow logs in to.</summary>
    private static readonly string[] ServerOptions = ["broker", "post_broker", "report_broker", "sendTo", "pollUrl"];

    private readonly AdapterRegistry _adapters = adapters ?? Adapters.Create();

    public IReadOnlyList<FlowDefinition> Load()
    {
        CredentialStore credentials;
        try
        {
            credentials = CredentialStore.Load(paths.CredentialsFile);
        }
        catch (ConfigException ex)
        {
            return [.. paths.List().Where(c => c.Enabled).Select(c => new FlowDefinition($"{c.Component}/{c.Name}", 1, null) { Error = ex.Message })];
        }

        var enabled = paths.List().Where(c => c.Enabled).ToList();
        var definitions = new List<FlowDefinition>();
        string? defaultBroker = null;
        if (enabled.All(c => c.Component != "pump") && !NamesABroker(enabled))
        {
            try
            {
                var endpoint = DefaultPump.Endpoint();
                var password = DefaultPump.Password(paths);
                defaultBroker = DefaultPump.Url(endpoint, password);
                definitions.Add(PumpDefinition(DefaultPump.Name, DefaultPump.Options(paths, endpoint, password), fingerprint: endpoint.ToString(), config: null));
            }
            catch (Exception ex) when (ex is ConfigException or IOException or UnauthorizedAccessException)
            {
                definitions.Add(new FlowDefinition($"pump/{DefaultPump.Name}", 1, null) { Error = ex.Message });
            }
        }

        foreach (var (component, name, _) in enabled)
        {
            definitions.Add(Define(component, name, credentials, defaultBroker));
        }

        return definitions;
    }

    /// <summary>
    /// True when a configuration (or default.conf, or what they include) has a <c>broker</c> or <c>post_broker</c> line,
    /// even one with errors: then the daemon runs no default pump.
    /// </summary>
    private bool NamesABroker(IEnumerable<(string Component, string Name, bool Enabled)> configurations)
    {
        var ignored = new List<ConfigDiagnostic>();
        var files = new[] { paths.DefaultFile }.Where(File.Exists).Concat(configurations.Select(c => paths.ConfigFile(c.Component, c.Name)));
        return files.Any(file => ConfigParser.Read(file, ignored, paths.ConfigDirectory).Any(e => e.Option is "broker" or "post_broker"));
    }

    /// <summary>The daemon's default broker as the first entries of a configuration (before default.conf and the file).</summary>
    private static IEnumerable<ConfigEntry> DefaultBroker(string component, string? url)
    {
        if (url is null)
        {
            yield break;
        }

        var option = ConfigMapping.SubscribingComponents.Contains(component) ? "broker" : component is "post" or "watch" or "poll" ? "post_broker" : null;
        if (option is not null)
        {
            yield return new ConfigEntry(option, url, "<the default pump>", 0, option);
        }
    }

    /// <summary>
    /// One configuration as a flow definition (or as a failed one, with its errors). <c>defaultBroker</c> is the default
    /// pump's URL when the daemon runs one: the broker of the configurations, which name none.
    /// </summary>
    public FlowDefinition Define(string component, string name, CredentialStore credentials, string? defaultBroker = null)
    {
        var full = $"{component}/{name}";
        FlowConfig config;
        try
        {
            config = ConfigLoader.Load(paths, component, name, Variables.Context.Environment(time), DefaultBroker(component, defaultBroker));
        }
        catch (ConfigException ex)
        {
            return new FlowDefinition(full, 1, null) { Error = ex.Message };
        }

        var instances = (int)Math.Max(1, config.Count("instances"));
        try
        {
            if (component == "pump")
            {
                return PumpDefinition(name, PumpConfiguration.ToOptions(config, paths, credentials), config.Fingerprint + ":" + credentials.Fingerprint(), config);
            }

            if (FlowBuilder.Components.Contains(component) && component != "post")
            {
                // Validate now, so a broken configuration shows at once instead of at every restart.
                var builder = new FlowBuilder(paths, credentials, _adapters, time);
                builder.Validate(config);
                return new FlowDefinition(full, ConfigMapping.SubscribingComponents.Contains(component) ? instances : 1, async (instance, ct) =>
                {
                    var (log, closer) = InstanceLogger(component, name, instance, config);
                    try
                    {
                        return await builder.BuildAsync(config, instance, log, ct, closer is null ? null : [closer]).ConfigureAwait(false);
                    }
                    catch when (closer is not null)
                    {
                        await closer.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }
                })
                { Fingerprint = Fingerprint(config, credentials), Thresholds = RunStateThresholds.From(config) };
            }

            return new FlowDefinition(full, 1, null) { Error = $"{config.File}: the {component} component does not run in the daemon yet" };
        }
        catch (ConfigException ex)
        {
            return new FlowDefinition(full, instances, null) { Error = ex.Message };
        }
    }

    /// <summary>
    /// The configuration's fingerprint with the credentials the flow uses: those of its brokers and servers, or all of
    /// them for a flow that downloads from whatever server its messages name.
    /// </summary>
    private static string Fingerprint(FlowConfig config, CredentialStore credentials)
    {
        var used = config.Component is "subscribe" or "sarra" or "flow"
            ? credentials.Fingerprint()
            : credentials.Fingerprint(ServerOptions.Select(config.String).OfType<string>());
        return config.Fingerprint + ":" + used;
    }

    /// <summary>A pump's servers as a service of the daemon, logging to <c>log/pump_&lt;name&gt;_01.log</c>.</summary>
    private FlowDefinition PumpDefinition(string name, PumpOptions options, string fingerprint, FlowConfig? config) =>
        new($"pump/{name}", 1, null)
        {
            Fingerprint = fingerprint,
            Service = async ct =>
            {
                var (log, closer) = InstanceLogger("pump", name, 1, config);
                var pump = new EmbeddedPump(options, log);
                try
                {
                    await pump.StartAsync(ct).ConfigureAwait(false);
                }
                catch
                {
                    if (closer is not null)
                    {
                        await closer.DisposeAsync().ConfigureAwait(false);
                    }

                    throw;
                }

                return new Hosted(pump, closer);
            },
        };

    /// <summary>The instance's log (its own file, rotated), and what closes the file (null: the daemon's own log).</summary>
    private (ILogger Log, IAsyncDisposable? Closer) InstanceLogger(string component, string name, int instance, FlowConfig? config)
    {
        if (!logToFiles)
        {
            return (logger, null);
        }

        var provider = new LogFileProvider(LogOptions(config, Path.Combine(paths.LogDirectory, LogFileOptions.FileName(component, name, instance))), time);
        return (provider.CreateLogger(component), new DisposableAdapter(provider));
    }

    /// <summary>An instance's log file as its configuration asks: <c>logLevel</c> (<c>debug</c>), <c>logRotateCount</c>, <c>logRotateInterval</c>.</summary>
    public static LogFileOptions LogOptions(FlowConfig? config, string path) => new()
    {
        Path = path,
        Level = config?.Flag("debug") == true ? LogLevel.Debug : config?.String("logLevel") switch
        {
            "debug" => LogLevel.Debug,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "critical" => LogLevel.Critical,
            _ => LogLevel.Information,
        },
        RotateCount = (int)(config?.Count("logRotateCount", 5) ?? 5),
        RotateInterval = config?.Duration("logRotateInterval", TimeSpan.FromDays(1)) ?? TimeSpan.FromDays(1),
    };

    /// <summary>A running pump and the closer of its log.</summary>
    private sealed class Hosted(EmbeddedPump pump, IAsyncDisposable? closer) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await pump.DisposeAsync().ConfigureAwait(false);
            if (closer is not null)
            {
                await closer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed class DisposableAdapter(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
