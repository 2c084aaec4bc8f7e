using Sluice.Core.Config;

namespace Sluice.Cli.Commands;

/// <summary>A <c>component/config</c> argument, checked.</summary>
internal static class FlowName
{
    public static bool TryParse(string text, TextWriter error, out string component, out string name)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        component = slash > 0 ? text[..slash] : string.Empty;
        name = slash > 0 ? text[(slash + 1)..] : string.Empty;
        if (name.EndsWith(".conf", StringComparison.Ordinal))
        {
            name = name[..^5];
        }

        if (!SluicePaths.Components.Contains(component) || name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
        {
            error.WriteLine($"sluice: '{text}' is not component/config (components: {string.Join(", ", SluicePaths.Components)})");
            return false;
        }

        return true;
    }
}
