using Sluice.Brokers.Amqp;
using Sluice.Brokers.Mqtt;
using Sluice.Core.Components;
using Sluice.Transfers.Ftp;
using Sluice.Transfers.Sftp;

namespace Sluice.Daemon;

/// <summary>Every broker and transfer adapter in one registry (Core never references them).</summary>
public static class Adapters
{
    /// <summary>
    /// A new registry with Core's adapters (file, http, https) and every adapter Sluice ships: amqp, amqps, mqtt, mqtts,
    /// sftp, ftp, ftps.
    /// </summary>
    public static AdapterRegistry Create()
    {
        var adapters = AdapterRegistry.CreateCore();
        AmqpBroker.Register(adapters.Brokers);
        MqttBroker.Register(adapters.Brokers);
        SftpTransfer.Register(adapters.Transfers);
        FtpTransfer.Register(adapters.Transfers);
        return adapters;
    }
}
