namespace Sluice.Core.Config;

/// <summary>
/// Which options a piece of code reads from a <see cref="FlowConfig"/>: the test that walks sr3's option table uses it
/// to show that each option Sluice says it applies is read when a flow is built. Costs nothing when not tracking.
/// </summary>
internal static class OptionReads
{
    private static readonly AsyncLocal<HashSet<string>?> Current = new();

    /// <summary>Records the options read from now until the result is disposed, in this async flow, into <paramref name="into"/>.</summary>
    public static IDisposable Track(HashSet<string> into)
    {
        var previous = Current.Value;
        Current.Value = into;
        return new Restore(previous);
    }

    public static void Note(string name) => Current.Value?.Add(name);

    private sealed class Restore(HashSet<string>? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
