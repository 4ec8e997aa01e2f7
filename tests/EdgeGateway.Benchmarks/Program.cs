using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(EdgeGateway.Benchmarks.MeteringRoundBenchmark).Assembly).Run(args);
