namespace Sluice.Core.Formats;

/// <summary>
/// A notification message that cannot be decoded or encoded: names the field (<c>body</c> for the
/// message as a whole) and says what is wrong with it. The message is rejected, never retried.
/// </summary>
public sealed class MessageFormatException : SluiceException
{
    public MessageFormatException(string field, string problem, Exception? innerException = null)
        : base($"{field}: {problem}", innerException)
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>The field at fault, with its path (<c>identity.value</c>), or <c>body</c>.</summary>
    public string Field { get; }

    /// <summary>What is wrong, without the field name.</summary>
    public string Problem { get; }
}
