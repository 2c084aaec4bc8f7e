using Sluice.Core.Config;
using Sluice.Core.Flows;

namespace Sluice.Core.Components;

/// <summary>
/// Built-in callbacks chosen by name in configuration (<c>callback name</c>). Names of sr3 callbacks whose work the
/// engine does itself (<c>log</c>, <c>gather.message</c>, <c>post.message</c>, <c>nodupe</c>, <c>retry</c>) are accepted;
/// any other unknown name is a configuration error, not a surprise at run time.
/// </summary>
public static class CallbackRegistry
{
    private static readonly HashSet<string> BuiltIntoEngine = new(StringComparer.Ordinal)
    {
        "log", "gather.message", "post.message", "nodupe", "nodupe.disk", "nodupe.name", "nodupe.data", "retry", "gather.file",
    };

    private static readonly Dictionary<string, Func<CallbackContext?, IFlowCallback>> Factories = new(StringComparer.Ordinal)
    {
        ["run"] = context => RunCallback.Create(context),
    };

    public static void Register(string name, Func<IFlowCallback> factory) => Register(name, _ => factory());

    /// <summary>A callback made from the flow's configuration (its own options, its state directory).</summary>
    public static void Register(string name, Func<CallbackContext?, IFlowCallback> factory)
    {
        lock (Factories)
        {
            Factories[name] = factory;
        }
    }

    /// <summary>The callbacks for these names, or the names nobody knows.</summary>
    /// <exception cref="ConfigException">A callback's own options are wrong.</exception>
    public static (IReadOnlyList<IFlowCallback> Callbacks, IReadOnlyList<string> Unknown) Resolve(IEnumerable<string> names, CallbackContext? context = null)
    {
        var callbacks = new List<IFlowCallback>();
        var unknown = new List<string>();
        foreach (var written in names)
        {
            var name = Normalize(written);
            if (BuiltIntoEngine.Contains(name))
            {
                continue;
            }

            Func<CallbackContext?, IFlowCallback>? factory;
            lock (Factories)
            {
                Factories.TryGetValue(name, out factory);
            }

            if (factory is null)
            {
                unknown.Add(written);
            }
            else
            {
                callbacks.Add(factory(context));
            }
        }

        return (callbacks, unknown);
    }

    /// <summary>sr3's spellings of a built-in: <c>run</c>, <c>flowcb.run.Run</c>, <c>sarracenia.flowcb.run.Run</c>.</summary>
    private static string Normalize(string name)
    {
        var rest = name.StartsWith("sarracenia.", StringComparison.Ordinal) ? name["sarracenia.".Length..] : name;
        rest = rest.StartsWith("flowcb.", StringComparison.Ordinal) ? rest["flowcb.".Length..] : rest;
        var dot = rest.LastIndexOf('.');
        return dot > 0 && char.IsUpper(rest[dot + 1]) ? rest[..dot] : rest;
    }
}
