namespace Sluice.Core.Brokers;

/// <summary>A broker could not be reached, refused an operation, or did not confirm a publish.</summary>
public sealed class BrokerException : SluiceException
{
    public BrokerException(BrokerUrl broker, string problem, Exception? innerException = null)
        : base($"{broker}: {problem}", innerException)
    {
        Broker = broker.ToString();
    }

    /// <summary>The broker's URL, without password.</summary>
    public string Broker { get; }
}
