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

    private static readonly Dictionary<string, Func<IFlowCallback>> Factories = new(StringComparer.Ordinal);

    public static void Register(string name, Func<IFlowCallback> factory)
    {
        lock (Factories)
        {
            Factories[name] = factory;
        }
    }

    /// <summary>The callbacks for these names, or the names nobody knows.</summary>
    public static (IReadOnlyList<IFlowCallback> Callbacks, IReadOnlyList<string> Unknown) Resolve(IEnumerable<string> names)
    {
        var callbacks = new List<IFlowCallback>();
        var unknown = new List<string>();
        foreach (var name in names)
        {
            if (BuiltIntoEngine.Contains(name))
            {
                continue;
            }

            Func<IFlowCallback>? factory;
            lock (Factories)
            {
                Factories.TryGetValue(name, out factory);
            }

            if (factory is null)
            {
                unknown.Add(name);
            }
            else
            {
                callbacks.Add(factory());
            }
        }

        return (callbacks, unknown);
    }
}
