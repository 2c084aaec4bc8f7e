using BenchmarkDotNet.Running;
using Sluice.Benchmarks.EndToEnd;
using Sluice.Benchmarks.Transfers;

// End-to-end comparisons beside their raw limits; anything else goes to BenchmarkDotNet.
//   shovel <amqp-url> [messages] [batch]   EndToEnd/ShovelBenchmark.cs
//   brokers <amqp-url> <mqtt-url> [n]      EndToEnd/BrokerBenchmark.cs
//   transfers [small] [large] [largeMiB] [runs] [parallel]   Transfers/TransferBenchmark.cs
//   flows <amqp-url> [posts] [small] [large] [latency] [runs]   EndToEnd/FlowBenchmark.cs
//   serve-http DIR                         Transfers/HttpServers.cs (the data server in a process of its own)
//   poll [entries]                         Transfers/PollBenchmark.cs
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

if (args.Length > 0 && args[0] == "flows")
{
    return await FlowBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "serve-http")
{
    return await HttpServers.ServeAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "poll")
{
    return await PollBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "watch")
{
    return await WatchBenchmark.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
