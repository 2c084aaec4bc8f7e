namespace Sluice.Core.Logging;

/// <summary>
/// Every log event id Sluice writes, one table for all its assemblies, grouped by area: a <c>[LoggerMessage]</c> takes
/// its <c>EventId</c> from here, so an id means one event everywhere and stays the same from release to release (log
/// shippers and alerts may key on it). A new event gets the next free number of its area; a number is never reused.
/// </summary>
public static class LogEvents
{
    /// <summary>The flow engine (1000s), in sr3's words.</summary>
    public static class Flow
    {
        public const int Accepted = 1001;

        /// <summary>A rejected message: at information level, or at debug level when <c>logReject</c> is off.</summary>
        public const int Rejected = 1002;
        public const int WorkOk = 1003;
        public const int WorkFailed = 1004;
        public const int Posted = 1005;
        public const int QueuedForRetry = 1006;
        public const int GivenUp = 1007;
        public const int PostFailed = 1008;
        public const int RetryDamaged = 1009;
        public const int Housekeeping = 1010;
        public const int CountReached = 1011;
        public const int CallbackFailed = 1012;

        /// <summary>A message taken from the retry queue that the accept/reject lines now reject (the configuration changed).</summary>
        public const int RetryDropped = 1013;
    }

    /// <summary>A flow's broker input (1100s).</summary>
    public static class BrokerInput
    {
        public const int Malformed = 1101;
    }

    /// <summary>The <c>run</c> callback (1200s).</summary>
    public static class Run
    {
        public const int Ran = 1201;
        public const int Failed = 1202;
        public const int TimedOut = 1203;
        public const int CouldNotRun = 1204;
        public const int OutputLine = 1205;
        public const int ErrorLine = 1206;
        public const int OutputCut = 1207;
        public const int Quarantined = 1208;
    }

    /// <summary>The report component (1300s).</summary>
    public static class Report
    {
        public const int Reported = 1301;
    }

    /// <summary>Watch (2000s).</summary>
    public static class Watch
    {
        public const int Overflow = 2001;
        public const int Unreadable = 2002;
        public const int WatcherFailed = 2003;
    }

    /// <summary>Poll (2100s).</summary>
    public static class Poll
    {
        public const int Polled = 2101;
        public const int ListFailed = 2102;
        public const int ConnectFailed = 2103;
        public const int VipWaiting = 2104;
        public const int VipTaken = 2105;
        public const int LinkSkipped = 2106;
    }

    /// <summary>The daemon's flow supervisor (3000s).</summary>
    public static class Supervisor
    {
        public const int Started = 3001;
        public const int Finished = 3002;
        public const int Crashed = 3003;
        public const int StopTimedOut = 3004;
        public const int AbortTimedOut = 3005;
        public const int SanityRestart = 3006;
        public const int ServicesSlow = 3007;
        public const int Refused = 3008;
    }

    /// <summary>The daemon (4000s).</summary>
    public static class Daemon
    {
        public const int Started = 4001;
        public const int AlreadyRunning = 4002;
        public const int Stopping = 4003;
        public const int Stopped = 4004;
        public const int Http = 4005;
    }

    /// <summary>The daemon's pumps (4100s).</summary>
    public static class Pump
    {
        public const int Ready = 4101;
    }

    /// <summary>The AMQP broker adapter (5000s: connection, 5100s: subscription).</summary>
    public static class Amqp
    {
        public const int Connected = 5001;
        public const int ConnectFailed = 5002;
        public const int Consuming = 5101;
        public const int Lost = 5102;
        public const int ResubscribeFailed = 5103;
        public const int AckLost = 5104;
    }

    /// <summary>The MQTT broker adapter (5200s).</summary>
    public static class Mqtt
    {
        public const int Subscribed = 5201;
        public const int Lost = 5202;
        public const int ReconnectFailed = 5203;
        public const int AckLost = 5204;
    }

    /// <summary>The embedded MQTT broker (5300s).</summary>
    public static class EmbeddedBroker
    {
        public const int Started = 5301;
        public const int Refused = 5302;
        public const int PublishRefused = 5303;
        public const int SubscribeRefused = 5304;
    }
}
