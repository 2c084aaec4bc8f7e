namespace Sluice.Core.Flows;

/// <summary>What became of a message's work.</summary>
public enum WorkOutcome
{
    /// <summary>Done: post it.</summary>
    Ok,

    /// <summary>Failed for now (server down, checksum mismatch): retry it later.</summary>
    Retry,

    /// <summary>Will never work (refused path, too big): acknowledge it with a logged reason.</summary>
    Reject,
}
