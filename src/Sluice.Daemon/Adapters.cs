using Sluice.Brokers.Amqp;
using Sluice.Brokers.Mqtt;

namespace Sluice.Daemon;

/// <summary>Registers every broker and transfer adapter with Core's registries (Core never references them).</summary>
public static class Adapters
{
    private static int _registered;

    public static void RegisterAll()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        AmqpBroker.Register();
        MqttBroker.Register();
        Sluice.Transfers.Sftp.SftpTransfer.Register(Sluice.Core.Transfers.TransferRegistry.Default);
        Sluice.Transfers.Ftp.FtpTransfer.Register(Sluice.Core.Transfers.TransferRegistry.Default);
    }
}
