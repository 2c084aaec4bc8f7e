using System.Text;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Core.Components;

/// <summary>
/// sr3's <c>outlet json</c> and <c>outlet url</c>: instead of publishing to a broker, write each message to a
/// stream (one v03 JSON body per line, or the file's URL per line), for scripts and for looking at what a
/// flow would post.
/// </summary>
internal sealed class OutletOutput(TextWriter writer, bool urls) : IFlowOutput
{
    public async ValueTask PublishAsync(IReadOnlyList<NotificationMessage> messages, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            if (urls)
            {
                text.Append(message.BaseUrl.TrimEnd('/')).Append('/').Append(message.RetrievePath ?? message.RelPath).Append('\n');
            }
            else
            {
                text.Append(Encoding.UTF8.GetString(V03Format.EncodeBody(message))).Append('\n');
            }
        }

        await writer.WriteAsync(text, cancellationToken).ConfigureAwait(false);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
