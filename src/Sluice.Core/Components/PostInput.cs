using Sluice.Core.Flows;
using Sluice.Core.Messages;

namespace Sluice.Core.Components;

/// <summary>
/// sr3's post as a flow input: announces the files and trees given on the command line, once, then is complete.
/// </summary>
internal sealed class PostInput : IFlowInput
{
    private readonly IAsyncEnumerator<NotificationMessage> _messages;
    private readonly TimeProvider _time;
    private bool _complete;

    public PostInput(FileAnnouncer announcer, IEnumerable<string> paths, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        _time = time ?? TimeProvider.System;
        _messages = announcer.AnnounceAsync(paths, cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    public bool IsComplete => _complete;

    public async ValueTask<IReadOnlyList<FlowMessage>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var batch = new List<FlowMessage>(Math.Min(max, 1000));
        while (!_complete && batch.Count < max)
        {
            if (await _messages.MoveNextAsync().ConfigureAwait(false))
            {
                batch.Add(new FlowMessage(_messages.Current) { Received = _time.GetUtcNow() });
            }
            else
            {
                _complete = true;
            }
        }

        return batch;
    }

    public ValueTask AcknowledgeAsync(IReadOnlyList<object> ackTokens, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _messages.DisposeAsync();
}
