namespace Sluice.Core.Config;

/// <summary>
/// An sr3 option Sluice does not apply: why, and whether setting it stops the flow (<see cref="Refused"/>) or only
/// warns. <see cref="Harmless"/> is the value that asks for what Sluice does anyway (it then says nothing).
/// </summary>
internal sealed record NotApplied(string Reason, bool Refused, object? Harmless)
{
    /// <summary>True when <paramref name="value"/> asks for what Sluice does anyway.</summary>
    public bool IsHarmless(object value) => Harmless switch
    {
        null => false,
        bool flag => value is bool b && b == flag,
        long most => value is long n && n <= most,
        _ => Equals(Harmless, value),
    };
}
