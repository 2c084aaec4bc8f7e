namespace Sluice.Core.Flows;

/// <summary>What the accept/reject filter made of a message: accepted, or rejected with a reason.</summary>
internal readonly record struct FilterDecision(bool Accepted, string? Reason)
{
    public static FilterDecision Accept { get; } = new(true, null);

    public static FilterDecision Reject(string reason) => new(false, reason);
}
