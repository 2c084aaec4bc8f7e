namespace Sluice.Tests.Servers;

/// <summary>Timeouts, from one place, scaled up under CI.</summary>
public static class Patience
{
    private static readonly double Scale = Environment.GetEnvironmentVariable("CI") == "true" ? 3 : 1;

    public static TimeSpan ServerStart => TimeSpan.FromSeconds(120 * Scale);

    public static TimeSpan Delivery => TimeSpan.FromSeconds(20 * Scale);

    public static TimeSpan Stream => TimeSpan.FromSeconds(120 * Scale);
}
