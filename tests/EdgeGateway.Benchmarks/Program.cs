using BenchmarkDotNet.Running;
using EdgeGateway.Benchmarks;

// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- --filter '*'        (BenchmarkDotNet micro-benchmarks)
// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- ingest [--messages N] (hub ingest through real servers)
// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- drain [--messages N] [--delay-ms D] [--window W] (gateway outbox drain to Mosquitto)
if (args.Length > 0 && args[0] == "ingest")
{
    return await IngestBench.RunAsync(args);
}

if (args.Length > 0 && args[0] == "drain")
{
    return await DrainBench.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(MeteringRoundBenchmark).Assembly).Run(args);
return 0;
