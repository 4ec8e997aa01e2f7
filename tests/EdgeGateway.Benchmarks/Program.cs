using BenchmarkDotNet.Running;
using EdgeGateway.Benchmarks;

// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- --filter '*'        (BenchmarkDotNet micro-benchmarks)
// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- ingest [--messages N] (hub ingest through real servers)
if (args.Length > 0 && args[0] == "ingest")
{
    return await IngestBench.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(MeteringRoundBenchmark).Assembly).Run(args);
return 0;
