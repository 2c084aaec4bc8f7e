namespace Sluice.Brokers.Mqtt;

/// <summary>A user of the pump's broker, with sr3's role: admin, feeder, source or subscriber.</summary>
public sealed record PumpUser(string Name, string Password, string Role);
