using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

/// <summary>
/// A message on its way through a flow: the notification message, the token that acknowledges it to its
/// broker (null when it came from a retry queue or was made by the flow itself), and what happened to it.
/// </summary>
public sealed class FlowMessage
{
    public FlowMessage(NotificationMessage message, object? ackToken = null)
    {
        Message = message;
        AckToken = ackToken;
    }

    public NotificationMessage Message { get; set; }

    /// <summary>The broker's protocol-neutral acknowledgement token, or null.</summary>
    public object? AckToken { get; }

    /// <summary>The local file the work read or wrote (download target, file to send).</summary>
    public string? LocalPath { get; set; }

    /// <summary>How many times its work has failed before.</summary>
    public int Failures { get; set; }

    /// <summary>When its work first failed.</summary>
    public DateTimeOffset? FirstFailure { get; set; }

    /// <summary>True when it was taken from the retry queue.</summary>
    public bool IsRetry { get; set; }

    /// <summary>The report code of its fate (201 ok, 304 duplicate, 417 corrupt, 499 failed, ...).</summary>
    public int Code { get; set; }

    /// <summary>Why it was rejected or failed.</summary>
    public string? Reason { get; set; }

    /// <summary>What its work came to.</summary>
    public WorkOutcome Outcome { get; set; }

    /// <summary>True when it must not be acknowledged (nowhere durable to keep it): the broker delivers it again.</summary>
    public bool HoldAcknowledgement { get; set; }

    /// <summary>Where the accept line that took it says to put it (overrides the flow's directory), or null.</summary>
    public Placement? Placement { get; set; }

    /// <summary>Its key in the flow's nodupe cache, remembered when it was accepted and committed when it is acknowledged.</summary>
    internal string? NoDupeKey { get; set; }

    /// <summary>The exchange it was received from, or null when it did not come from a broker.</summary>
    public string? Exchange { get; init; }

    /// <summary>When the flow received it.</summary>
    public DateTimeOffset Received { get; init; }
}
