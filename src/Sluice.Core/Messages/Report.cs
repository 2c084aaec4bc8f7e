namespace Sluice.Core.Messages;

/// <summary>
/// The <c>report</c> field of a report message: an HTTP-like <c>code</c> (201 downloaded, 304 duplicate,
/// 417 corrupt, 499 failed, ...), when the work completed, and a message. Keys of older variants
/// (<c>elapsedTime</c>, <c>resultCode</c>, <c>host</c>, <c>user</c>) are kept in <see cref="Extra"/>.
/// </summary>
public sealed record Report(int Code, string? TimeCompleted, string? Message)
{
    public IReadOnlyList<Header>? Extra { get; init; }

    public bool Equals(Report? other) =>
        other is not null && Code == other.Code && TimeCompleted == other.TimeCompleted && Message == other.Message &&
        (Extra is null ? other.Extra is null : other.Extra is not null && Extra.SequenceEqual(other.Extra));

    public override int GetHashCode() => HashCode.Combine(Code, TimeCompleted, Message);
}
