namespace Sluice.Core;

/// <summary>
/// The root of every exception Sluice throws on purpose. Each leaf carries the data needed to say
/// what failed and where, and maps to one disposition (retry, reject, reconnect, stop the flow).
/// </summary>
public abstract class SluiceException : Exception
{
    protected SluiceException(string message)
        : base(message)
    {
    }

    protected SluiceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
