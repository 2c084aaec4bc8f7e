namespace Sluice.Tests.Servers;

/// <summary>Timeouts, from one place, scaled up under CI, and the wait for a condition bounded by one of them.</summary>
public static class Patience
{
    private static readonly double Scale = Environment.GetEnvironmentVariable("CI") == "true" ? 3 : 1;

    public static TimeSpan ServerStart => TimeSpan.FromSeconds(120 * Scale);

    public static TimeSpan Delivery => TimeSpan.FromSeconds(20 * Scale);

    public static TimeSpan Stream => TimeSpan.FromSeconds(120 * Scale);

    /// <summary>One transfer (a download, an upload, a listing) against a server that answers.</summary>
    public static TimeSpan Operation => TimeSpan.FromSeconds(20 * Scale);

    /// <summary>The timeout given to transfers in tests that make a server stall on purpose.</summary>
    public static TimeSpan Stall => TimeSpan.FromSeconds(1 * Scale);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, asking again every <paramref name="every"/> (20 ms by default);
    /// fails the test naming <paramref name="what"/> once <paramref name="within"/> (<see cref="Delivery"/> by default) has passed.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? within = null, TimeSpan? every = null)
    {
        using var timeout = new CancellationTokenSource(within ?? Delivery);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail("timed out waiting for: " + what());
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(20));
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{bool}, Func{string}, TimeSpan?, TimeSpan?)"/>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? within = null, TimeSpan? every = null) =>
        UntilAsync(condition, () => what, within, every);
}
