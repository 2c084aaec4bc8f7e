namespace Sluice.Core.Brokers;

/// <summary>
/// The broker refused what the configuration asks (a queue that exists with other arguments, access refused, an
/// exchange that does not exist), as opposed to a connection lost on the way. Asking again gives the same answer
/// until the configuration or the broker changes, so the flow stops and says, in one line, what differs and what
/// to do. <see cref="Remedy"/> names the configuration as <see cref="FlowPlaceholder"/> until
/// <see cref="Describe"/> is given the flow's name.
/// </summary>
public sealed class BrokerRefusedException : SluiceException
{
    /// <summary>Stands for the flow (<c>component/config</c>) in <see cref="Remedy"/>.</summary>
    public const string FlowPlaceholder = "<component/config>";

    public BrokerRefusedException(BrokerUrl broker, string problem, string remedy, Exception? innerException = null)
        : base($"{broker}: {problem}: {remedy}", innerException)
    {
        Broker = broker.ToString();
        Problem = problem;
        Remedy = remedy;
    }

    /// <summary>The broker's URL, without password.</summary>
    public string Broker { get; }

    /// <summary>What the broker refused and why, in the configuration's words.</summary>
    public string Problem { get; }

    /// <summary>What to do about it.</summary>
    public string Remedy { get; }

    /// <summary>The one line, for flow <paramref name="flow"/> (<c>component/config</c>).</summary>
    public string Describe(string flow) => $"{Broker}: {Problem}: {Remedy.Replace(FlowPlaceholder, flow, StringComparison.Ordinal)}";
}
