using BenchmarkDotNet.Running;
using Sluice.Benchmarks.EndToEnd;

// `shovel <amqp-url> [messages] [batch]`: the end-to-end shovel/winnow comparison (EndToEnd/ShovelBenchmark.cs);
// anything else: BenchmarkDotNet.
if (args.Length > 0 && args[0] == "shovel")
{
    return await ShovelBenchmark.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
