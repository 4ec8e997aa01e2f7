using BenchmarkDotNet.Attributes;
using EdgeGateway.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Hosting;
using EdgeGateway.Simulation;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// One sampling round of the demo shed (20 AC ports, every one charging): each port sampled over a
/// whole mains cycle through the real MCP3208 binding on the simulated chip (≈250 V/I sample pairs),
/// RMS, real power and power factor computed, every protection rule applied. The simulated chips'
/// own cost is included; on a Pi the SPI wire time replaces it.
/// </summary>
[MemoryDiagnoser]
public class MeteringRoundBenchmark
{
    private ShedRuntime _runtime = null!;

    [GlobalSetup]
    public void Setup()
    {
        SiteFileLoadResult load = SiteFileLoader.Load(FirmwareConfig.DemoSite);
        _runtime = ShedRuntime.Simulated(load.Configuration!, Scenario.Quiet(new DateTimeOffset(2026, 11, 25, 19, 0, 0, SimulatedShed.ChinaStandardTime)), 0, new GatewayEventChannel());
        ShedModel model = _runtime.Simulation!.Model;
        foreach (ShedOutlet outlet in model.Outlets)
        {
            // Large batteries: the chargers stay in their constant-current stage for the whole run.
            model.PlugAndRequestStart(outlet, new EBikeCharger(BatteryChemistry.LeadAcid, 200, 0.2, 100_000));
        }

        for (int i = 0; i < 20; i++)
        {
            Round();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _runtime.Dispose();

    [Benchmark(Description = "round: 20 AC ports, metering + protection")]
    public void Round()
    {
        _runtime.Pacer.BeforeRound();
        _runtime.Sampler.RunRound();
        _runtime.Pacer.AfterRound(CancellationToken.None);
    }
}
