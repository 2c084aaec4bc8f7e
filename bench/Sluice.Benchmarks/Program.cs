using BenchmarkDotNet.Running;
using Sluice.Benchmarks.Transfers;

// `transfers`: the end-to-end transfer comparison (see Transfers/TransferBenchmark.cs); anything else: BenchmarkDotNet.
if (args.Length > 0 && args[0] == "transfers")
{
    return await TransferBenchmark.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
