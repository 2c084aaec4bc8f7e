using BenchmarkDotNet.Running;
using Sluice.Benchmarks.EndToEnd;
using Sluice.Benchmarks.Transfers;

// End-to-end comparisons beside their raw limits; anything else goes to BenchmarkDotNet.
//   shovel <amqp-url> [messages] [batch]   EndToEnd/ShovelBenchmark.cs
//   brokers <amqp-url> <mqtt-url> [n]      EndToEnd/BrokerBenchmark.cs
//   transfers [small] [large] [largeMiB]   Transfers/TransferBenchmark.cs
//   watch <mqtt-url> [files]               EndToEnd/WatchBenchmark.cs
if (args.Length > 0 && args[0] == "shovel")
{
    return await ShovelBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "brokers")
{
    return await BrokerBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "transfers")
{
    return await TransferBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "watch")
{
    return await WatchBenchmark.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
