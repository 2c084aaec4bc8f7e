using Sluice.Core.Config;
using Sluice.Core.Flows;

namespace Sluice.Core.Components;

/// <summary>
/// Callbacks chosen by name in configuration (<c>callback name</c>, <c>callback_prepend name</c>, <c>flowcb name</c>).
/// Every callback sr3 ships is known (<see cref="Sr3Callbacks"/>): the names of work the engine does itself are
/// accepted, <c>run</c> and <c>accept.toclusters</c> are Sluice callbacks, the rest are refused with what to use
/// instead. Any other name is unknown. Refused and unknown names are configuration errors at the callback's
/// <c>file:line</c>, not a surprise at run time. A new registry has Sluice's own callbacks; a test or an embedding
/// application may <see cref="Register(string, Func{CallbackContext?, IFlowCallback})"/> more and give it to the
/// <see cref="FlowBuilder"/>.
/// </summary>
public sealed class CallbackRegistry
{
    private readonly Dictionary<string, Func<CallbackContext?, IFlowCallback>> _factories = new(StringComparer.Ordinal)
    {
        ["run"] = RunCallback.Create,
        ["accept.toclusters"] = ToClustersCallback.Create,
    };

    public void Register(string name, Func<IFlowCallback> factory) => Register(name, _ => factory());

    /// <summary>A callback made from the flow's configuration (its own options, its state directory).</summary>
    public void Register(string name, Func<CallbackContext?, IFlowCallback> factory)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_factories)
        {
            _factories[Normalize(name)] = factory;
        }
    }

    /// <summary>
    /// The callbacks of the flow's configuration, in order, and an error for each name that is refused, unknown or
    /// whose own options are wrong, at the line that names it.
    /// </summary>
    public (IReadOnlyList<IFlowCallback> Callbacks, IReadOnlyList<ConfigDiagnostic> Errors) Resolve(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var config = context.Config;
        var lines = config.CallbackLines.Count == config.Callbacks.Count
            ? config.CallbackLines
            : [.. config.Callbacks.Select(c => new ConfigEntry("callback", c, config.File, 0, "callback"))];
        var callbacks = new List<IFlowCallback>();
        var errors = new List<ConfigDiagnostic>();
        foreach (var line in lines)
        {
            void Error(string message) => errors.Add(new ConfigDiagnostic(line.File, line.Line, true, $"{line.WrittenAs} {line.Value}: {message}"));

            var name = Normalize(line.Value);
            Func<CallbackContext?, IFlowCallback>? factory;
            lock (_factories)
            {
                _factories.TryGetValue(name, out factory);
            }

            if (factory is not null)
            {
                try
                {
                    callbacks.Add(factory(context));
                }
                catch (ConfigException ex)
                {
                    // A callback's own options are wrong: the error is the callback line's unless it names its own.
                    errors.AddRange(ex.Errors.Select(e => e.Line == 0 ? e with { File = line.File, Line = line.Line } : e));
                }

                continue;
            }

            if (!Sr3Callbacks.All.TryGetValue(name, out var known))
            {
                errors.Add(new ConfigDiagnostic(line.File, line.Line, true,
                    $"unknown callback '{line.Value}' (neither one of sr3's nor one of Sluice's; a site's own Python callbacks do not run in Sluice: see docs/flows.md, Callbacks)"));
                continue;
            }

            if (known.Kind == Sr3CallbackKind.Refused)
            {
                Error($"sr3's callback {known.Name} is not supported by Sluice: {known.Text}");
            }
            else if (known.Components is { } components && !components.Contains(config.Component))
            {
                Error($"sr3's callback {known.Name} is not supported by Sluice in a {config.Component}: {known.Elsewhere}");
            }
        }

        return (callbacks, errors);
    }

    /// <summary>The callbacks of the flow's configuration, in order.</summary>
    /// <exception cref="ConfigException">A name is refused or unknown, or a callback's own options are wrong (every such line).</exception>
    public IReadOnlyList<IFlowCallback> Create(FlowConfig config, SluicePaths paths)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(paths);
        var (callbacks, errors) = Resolve(new CallbackContext(config, paths.FlowState(config.Component, config.Name)));
        return errors.Count > 0 ? throw new ConfigException(errors) : callbacks;
    }

    /// <summary>
    /// What is wrong with the callbacks of the flow's configuration (refused or unknown names, a callback's own options),
    /// checked without making them for a flow.
    /// </summary>
    public IReadOnlyList<ConfigDiagnostic> Errors(FlowConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Resolve(new CallbackContext(config, Path.Combine(Path.GetTempPath(), "sluice-check"))).Errors;
    }

    /// <summary>
    /// sr3's spellings of one name: <c>run</c>, <c>flowcb.run.Run</c>, <c>sarracenia.flowcb.run.Run</c>, and a
    /// <c>.py</c> file name (<c>poll.noaa_hydrometric.py</c>).
    /// </summary>
    internal static string Normalize(string name)
    {
        var rest = name.Trim();
        rest = rest.EndsWith(".py", StringComparison.Ordinal) ? rest[..^3] : rest;
        rest = rest.StartsWith("sarracenia.", StringComparison.Ordinal) ? rest["sarracenia.".Length..] : rest;
        rest = rest.StartsWith("flowcb.", StringComparison.Ordinal) ? rest["flowcb.".Length..] : rest;
        var dot = rest.LastIndexOf('.');
        return dot > 0 && dot + 1 < rest.Length && char.IsUpper(rest[dot + 1]) ? rest[..dot] : rest;
    }
}
