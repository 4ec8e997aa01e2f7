using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Hosting;
using EdgeGateway.Simulation;

namespace EdgeGateway.Benchmarking;

/// <summary>
/// Times sampling rounds on the simulated shed with every port charging: each round measures every
/// port over a whole mains cycle through the real bindings on the simulated chips and applies every
/// protection rule. On a Pi the SPI wire time dominates (a cycle is 20 ms of sampling per port); what
/// this measures is the CPU the gateway itself spends, plus the simulated chips' own cost.
/// </summary>
public static class RoundBenchmark
{
    public static int Run(string siteFile, int rounds, TextWriter output)
    {
        SiteFileLoadResult load = SiteFileLoader.Load(siteFile);
        if (!load.IsValid)
        {
            foreach (ConfigurationProblem problem in load.Problems)
            {
                output.WriteLine(problem);
            }

            return 2;
        }

        SiteConfiguration site = load.Configuration!;
        var events = new GatewayEventChannel();
        using var runtime = ShedRuntime.Simulated(site, Scenario.Quiet(new DateTimeOffset(2026, 11, 25, 19, 0, 0, SimulatedShed.ChinaStandardTime)), 0, events);
        ShedModel model = runtime.Simulation!.Model;
        foreach (ShedOutlet outlet in model.Outlets)
        {
            model.PlugAndRequestStart(outlet, new EBikeCharger(BatteryChemistry.LeadAcid, 200, 0.3, 576, outlet.IsDc));
        }

        for (int i = 0; i < 50; i++)
        {
            OneRound(runtime);
        }

        long[] ticks = new long[rounds];
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < rounds; i++)
        {
            ticks[i] = OneRound(runtime);
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Array.Sort(ticks);
        double Micro(long t) => t * 1e6 / Stopwatch.Frequency;
        int ports = site.Ports.Count;
        int charging = runtime.Protection.Snapshot.Ports.Count(p => p.RelayClosed);
        (long rss, long hwm) = ResidentMemory();
        CultureInfo c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"site {site.Site.Id}: {ports} ports ({site.Ports.Count(p => p.Meter is AcMeterDefinition)} AC), {charging} charging, {rounds} rounds"));
        output.WriteLine(string.Create(c, $"samples per mains cycle (V,I pairs): {runtime.Board.Mains?.SamplesPerCycle:0}"));
        output.WriteLine(string.Create(c, $"round (all ports, metering + protection): mean {Micro((long)ticks.Average()):0} µs, p50 {Micro(ticks[rounds / 2]):0} µs, p99 {Micro(ticks[(int)(rounds * 0.99)]):0} µs"));
        output.WriteLine(string.Create(c, $"per port: mean {Micro((long)ticks.Average()) / ports:0.0} µs"));
        output.WriteLine(string.Create(c, $"allocated per round: {allocated / (double)rounds:0} bytes"));
        output.WriteLine(string.Create(c, $"resident memory: {rss / 1024.0:0.0} MiB (peak {hwm / 1024.0:0.0} MiB)"));
        return 0;
    }

    private static long OneRound(ShedRuntime runtime)
    {
        runtime.Pacer.BeforeRound();
        long start = Stopwatch.GetTimestamp();
        runtime.Sampler.RunRound();
        long elapsed = Stopwatch.GetTimestamp() - start;
        runtime.Pacer.AfterRound(CancellationToken.None);
        return elapsed;
    }

    /// <summary>VmRSS and VmHWM from /proc/self/status, in KiB (0 where there is no /proc).</summary>
    public static (long Rss, long Peak) ResidentMemory()
    {
        const string StatusFile = "/proc/self/status";
        if (!File.Exists(StatusFile))
        {
            return (0, 0);
        }

        long rss = 0, hwm = 0;
        foreach (string line in File.ReadLines(StatusFile))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKib(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = ParseKib(line);
            }
        }

        return (rss, hwm);
    }

    private static long ParseKib(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
