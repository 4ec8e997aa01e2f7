using System.Diagnostics;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Benchmarks.Tests;

/// <summary>The gateway's own <c>bench</c> command (README: <c>dotnet run -c Release --project src/EdgeGateway -- bench</c>), with few rounds.</summary>
public sealed class GatewayBenchTests
{
    [Fact]
    public async Task Bench_with_few_rounds_prints_the_round_time_per_port_time_and_resident_memory()
    {
        var clock = Stopwatch.StartNew();
        await using var gateway = ProductProcess.Start("EdgeGateway", ["bench", "--rounds", "50"]);
        int exit = await gateway.WaitForExitAsync(TimeSpan.FromMinutes(4));
        var run = new BenchRun("EdgeGateway bench --rounds 50", exit, gateway.Output, clock.Elapsed);

        Assert.True(exit == 0, run.ToString());
        Assert.Contains("50 rounds", run.Output, StringComparison.Ordinal);
        Figures.Positive(run, @"^round \(all ports, metering \+ protection\): mean", "\u00b5s");
        Figures.Positive(run, @"^per port: mean", "\u00b5s");
        Figures.Positive(run, @"^resident memory:", "MiB");
    }
}
