using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using EdgeGateway.Benchmarks;

// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- --filter '*'        (BenchmarkDotNet micro-benchmarks;
//     a quick check that they run: --filter '*' --job dry --inProcess, no separate build, a few seconds; add
//     --allow-debug-build where the projects were built in Debug, as `dotnet test` builds them: figures then mean nothing)
// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- ingest [--messages N] (hub ingest through real servers)
// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- soak [--shed-hours H] [--speed S] [--wall-limit T] [--variant NAME=VAR=VALUE]… [--csv FILE] (the gateway alone for hours, beside an empty worker; memory per mapping from smaps)
// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- footprint [--minutes M] [--only VARIANT] (the gateway's resident memory under runtime settings, beside an empty worker; its CPU without the simulator's)
// dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- drain [--messages N] [--delay-ms D] [--window W] [--runs R] (gateway outbox drain to Mosquitto)
if (args.Length > 0 && args[0] == "ingest")
{
    return await IngestBench.RunAsync(args);
}

if (args.Length > 0 && args[0] == "footprint")
{
    return await FootprintBench.RunAsync(args);
}

if (args.Length > 0 && args[0] == "soak")
{
    return await SoakBench.RunAsync(args);
}

if (args.Length > 0 && args[0] == "drain")
{
    return await DrainBench.RunAsync(args);
}

// BenchmarkDotNet builds a project of its own for each run (the benchmarks and everything they reference, again) and
// gives up after 2 minutes by default: too short for a first build on 2 busy cores (a fresh clone failed so).
IConfig config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
if (args.Contains("--allow-debug-build"))
{
    // BenchmarkDotNet refuses a benchmark assembly that references non-optimized (Debug) assemblies; a smoke run of a
    // Debug build only checks that the benchmarks run.
    Console.WriteLine("benchmarks: --allow-debug-build: referenced assemblies may be Debug builds, the figures are not measurements");
    config = config.WithOptions(ConfigOptions.DisableOptimizationsValidator);
    args = [.. args.Where(a => a != "--allow-debug-build")];
}

Summary[] summaries = [.. BenchmarkSwitcher.FromAssembly(typeof(MeteringRoundBenchmark).Assembly).Run(args, config)];

// Exit non-zero when a benchmark that was asked for did not run or failed (a filter that matched nothing, a build or
// validation error, an exception in a benchmark), so that a broken benchmark fails a script or a test.
bool asked = args.Contains("--filter") || args.Contains("-f");
bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success))
    || (asked && summaries.Sum(s => s.Reports.Length) == 0);
if (failed)
{
    Console.Error.WriteLine("benchmarks: some did not run or failed (see above)");
}

return failed ? 1 : 0;
