namespace Sluice.Core.Work;

/// <summary>What becomes of a message whose work failed: the one map from a failure to the flow's handling of it.</summary>
internal enum DispositionKind
{
    /// <summary>Try the message again later (attempts, then the retry queue): the cause may go away.</summary>
    Retry,

    /// <summary>
    /// The connection to the server failed (lost, timed out, refused): the transfer connects afresh on its next use,
    /// the work forgets what it knew of the server's state, and the message is tried again later.
    /// </summary>
    Reconnect,

    /// <summary>The message can never be worked: acknowledge it, log and report it with the code.</summary>
    Reject,
}
