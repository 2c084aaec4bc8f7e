namespace Sluice.Core.Flows;

/// <summary>
/// sr3's worklists: the messages of one batch, sorted by fate. Callbacks move messages between them
/// (<c>after_accept</c> may reject from <see cref="Incoming"/>, <c>after_work</c> may fail from <see cref="Ok"/>).
/// </summary>
public sealed class Worklist
{
    /// <summary>Accepted by the filters, waiting for work.</summary>
    public List<FlowMessage> Incoming { get; } = [];

    /// <summary>Work done; to be posted.</summary>
    public List<FlowMessage> Ok { get; } = [];

    /// <summary>Will not be processed (duplicates, filtered, bad): acknowledged with a logged reason.</summary>
    public List<FlowMessage> Rejected { get; } = [];

    /// <summary>Work failed: to the retry queue.</summary>
    public List<FlowMessage> Failed { get; } = [];

    /// <summary>Moves a message to <see cref="Rejected"/> with a code and reason.</summary>
    public static void Reject(FlowMessage message, int code, string reason)
    {
        message.Code = code;
        message.Reason = reason;
    }
}
