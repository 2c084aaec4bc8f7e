namespace Sluice.Core.Transfers;

/// <summary>A transfer failed: <see cref="IsTransient"/> says whether trying again may work (server down, timeout).</summary>
public sealed class TransferException : SluiceException
{
    public TransferException(string url, string problem, bool isTransient, Exception? innerException = null)
        : base($"{Brokers.BrokerUrl.Redact(url)}: {problem}", innerException)
    {
        Url = Brokers.BrokerUrl.Redact(url);
        IsTransient = isTransient;
    }

    /// <summary>The URL, without password.</summary>
    public string Url { get; }

    public bool IsTransient { get; }
}
