using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- footprint [--minutes M] [--ports N]
/// [--only VARIANT]… [--publish NAME=DIR[;VAR=VALUE]…]…</c>: the
/// gateway at real time (<c>run --simulate --speed 1</c>, its embedded broker on a port of its own) under several
/// runtime settings at once, beside an empty <c>dotnet new worker</c> under the default and the chosen settings, all
/// started together so that they share the machine's state; after the first third of M minutes (default 6), resident
/// memory (mean and max) and CPU (mean, % of one core) of each; and for the build's gateways (those of
/// <c>--only</c>, when given) the CPU over the same window split into the simulator's (its
/// <c>edgegateway_gateway_simulator_cpu_time_seconds_total</c>, SimulatorCpu) and the product's, per port. The settings are runtime knobs that need no rebuild
/// (environment variables the .NET runtime reads); ReadyToRun, trimming and Native AOT need a publish of their own,
/// which <c>--publish NAME=DIR</c> runs beside them (DIR/EdgeGateway.dll with dotnet, or a native DIR/EdgeGateway
/// when there is no dll: Native AOT), with the environment variables after DIR if any (<c>;DOTNET_GCgen0size=0x400000</c>);
/// the commands that made them are in docs/measurements.md. Over the same window, every 10 s, each process's resident
/// memory per kind of mapping (<see cref="MemoryMaps"/>), its threads, and each gateway's GC-committed and managed
/// bytes from its <c>/metrics</c>: where one process's extra mebibytes are.
/// </summary>
internal static class FootprintBench
{
    // Measured first (docs/measurements.md): of the gateway's ~95 MiB under the JIT most is code — the JIT's
    // double-mapped executable memory (W^X), tiered compilation's two versions of hot methods and PGO's instrumented
    // ones. Later ("Fourth run"): on a machine with a large last-level cache the GC's gen-0 budget lets tens of MiB be
    // allocated between collections, which the project now caps (System.GC.Gen0MaxBudget); non-concurrent GC and
    // ConserveMemory change nothing measurable.
    // TieredPGO is off in the project already (the first such run chose it), Server GC is off by default for a
    // console host (<ServerGarbageCollector> unset): both are the "default" here. Invariant globalization drops ICU
    // (4.7 MiB of mapped libraries), which the gateway does not need: it formats with the invariant culture.
    private static readonly (string Name, Dictionary<string, string> Environment)[] GatewayVariants =
    [
        ("default", []),
        ("non-concurrent GC", new() { ["DOTNET_gcConcurrent"] = "0" }),
        ("ConserveMemory 7", new() { ["DOTNET_GCConserveMemory"] = "7" }),
        ("invariant globalization", new() { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" }),
        ("no tiered compilation", new() { ["DOTNET_TieredCompilation"] = "0" }),
        ("invariant + non-concurrent + ConserveMemory", new() { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1", ["DOTNET_gcConcurrent"] = "0", ["DOTNET_GCConserveMemory"] = "7" }),
        // The project caps the gen-0 budget (System.GC.Gen0MaxBudget); the variable, read before the knob, lifts the cap
        // (0: none) to measure what it saves. GC variables are hexadecimal; Native AOT's reader takes no "0x" prefix
        // (DOTNET_GCgen0size=0x400000 is silently ignored there, 400000 is 4 MiB), the JIT runtime's takes both.
        ("no gen-0 budget cap", new() { ["DOTNET_GCGen0MaxBudget"] = "0" }),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        double minutes = BenchArguments.Option(args, "--minutes").Select(BenchArguments.Double).FirstOrDefault(6);
        string? ports = BenchArguments.Option(args, "--ports").FirstOrDefault();
        string[] only = [.. BenchArguments.Options(args, "--only")];
        var duration = TimeSpan.FromMinutes(minutes);
        var interval = TimeSpan.FromSeconds(2);
        string work = Directory.CreateTempSubdirectory("edgegateway-footprint-").FullName;
        var processes = new List<IAsyncDisposable>();
        var sampled = new List<(string Name, ProcessSampler Sampler, int? MetricsPort)>();
        var scraped = new List<(string Name, int MetricsPort)>();
        try
        {
            string worker = await SoakBench.BuildEmptyWorkerAsync(work);
            foreach ((string name, Dictionary<string, string> environment) in GatewayVariants.Where(v => only.Length == 0 || only.Contains(v.Name)))
            {
                int metricsPort = LoopbackPorts.Claim();
                var env = new Dictionary<string, string>(environment)
                {
                    ["EDGEGATEWAY_Mqtt__EmbeddedPort"] = LoopbackPorts.Claim().ToString(CultureInfo.InvariantCulture),
                    ["EDGEGATEWAY_Metrics__PrometheusPort"] = metricsPort.ToString(CultureInfo.InvariantCulture),
                };
                scraped.Add(("gateway, " + name, metricsPort));
                string data = Directory.CreateDirectory(Path.Combine(work, "gw-" + sampled.Count.ToString(CultureInfo.InvariantCulture))).FullName;
                var gateway = ProductProcess.Start("EdgeGateway",
                    ["run", "--simulate", "--speed", "1", "--duration", duration.Add(TimeSpan.FromMinutes(1)).ToString("c", CultureInfo.InvariantCulture), "--data-dir", data,
                     .. ports is null ? Array.Empty<string>() : ["--ports", ports]], env);
                processes.Add(gateway);
                sampled.Add(("gateway, " + name, ProcessSampler.Start(gateway.Id, interval), metricsPort));
            }

            foreach ((string name, string directory, Dictionary<string, string> environment) in BenchArguments.Options(args, "--publish").Select(PublishedGateway.Parse))
            {
                int metricsPort = LoopbackPorts.Claim();
                scraped.Add(("gateway, " + name, metricsPort));
                environment["EDGEGATEWAY_Metrics__PrometheusPort"] = metricsPort.ToString(CultureInfo.InvariantCulture);
                string data = Directory.CreateDirectory(Path.Combine(work, "gw-" + sampled.Count.ToString(CultureInfo.InvariantCulture))).FullName;
                Process published = PublishedGateway.Start(directory, environment,
                [
                    "run", "--simulate", "--speed", "1", "--duration", duration.Add(TimeSpan.FromMinutes(1)).ToString("c", CultureInfo.InvariantCulture), "--data-dir", data,
                    .. ports is null ? Array.Empty<string>() : ["--ports", ports],
                ]);
                processes.Add(new PublishedGateway.KilledOnDispose(published));
                sampled.Add(("gateway, " + name, ProcessSampler.Start(published.Id, interval), metricsPort));
            }

            foreach ((string name, Dictionary<string, string> environment) in new[] { GatewayVariants[0], GatewayVariants[^1] })
            {
                Process empty = SoakBench.StartWorker(worker, environment);
                processes.Add(new PublishedGateway.KilledOnDispose(empty));
                sampled.Add(("empty worker, " + name, ProcessSampler.Start(empty.Id, interval), null));
            }

            Console.WriteLine($"footprint: {sampled.Count} processes for {duration}");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await Task.Delay(duration / 3);
            long windowStart = Stopwatch.GetTimestamp();
            Dictionary<string, Counters> before = await CpuCountersAsync(http, scraped);
            List<Breakdown> breakdowns = await BreakdownsAsync(http, sampled, duration - (duration / 3));
            TimeSpan window = Stopwatch.GetElapsedTime(windowStart);
            Dictionary<string, Counters> after = await CpuCountersAsync(http, scraped);
            Console.WriteLine("| process | RSS mean / max (MiB) | CPU mean (% of one core) |");
            Console.WriteLine("|---|---|---|");
            foreach ((string name, ProcessSampler sampler, _) in sampled)
            {
                List<ProcessSample> kept = [.. sampler.Samples.Skip(sampler.Samples.Count / 3)];
                double cpu = kept.Where(s => s.CpuPercent is not null).Select(s => s.CpuPercent!.Value).DefaultIfEmpty(0).Average();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name}{(sampler.ProcessExited ? " (exited early)" : "")} | {kept.Average(s => s.RssBytes) / 1048576.0:0.0} / {kept.Max(s => s.RssBytes) / 1048576.0:0.0} | {cpu:0.0} |"));
            }

            // The simulated chips answer inside the binding's calls on the product's threads: the gateway's own counter
            // of the simulator's time (SimulatorCpu) is what tells the two apart. Over the same window as the table above.
            int portCount = ports is null ? DemoShedPorts : BenchArguments.Int(ports);
            Console.WriteLine($"CPU split over the last {window.TotalMinutes:0.0} min, {portCount} ports (% of one core):");
            Console.WriteLine("| process | gateway process | simulator | product | product per port | GCs | GC pause, % of the time | mean pause (ms) |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            foreach ((string name, _) in scraped.Where(s => before.ContainsKey(s.Name) && after.ContainsKey(s.Name)))
            {
                double cpu = 100 * (after[name].Cpu - before[name].Cpu) / window.TotalSeconds;
                double simulator = 100 * (after[name].Simulator - before[name].Simulator) / window.TotalSeconds;
                double collections = after[name].Collections - before[name].Collections;
                double pause = after[name].Pause - before[name].Pause;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {cpu:0.00} | {simulator:0.00} | {cpu - simulator:0.00} | {(cpu - simulator) / portCount:0.000} | {collections:0} | {100 * pause / window.TotalSeconds:0.000} | {(collections > 0 ? 1000 * pause / collections : double.NaN):0.00} |"));
            }

            PrintBreakdowns(breakdowns);
            return 0;
        }
        finally
        {
            foreach ((string _, ProcessSampler sampler, _) in sampled)
            {
                await sampler.DisposeAsync();
            }

            foreach (IAsyncDisposable process in processes)
            {
                await process.DisposeAsync();
            }

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The ports of firmware-config/sites/demo.yaml, the shed <c>run --simulate</c> runs without <c>--ports</c>.</summary>
    private const int DemoShedPorts = 20;

    /// <summary>A gateway's running totals from its <c>/metrics</c>: CPU seconds (its own, its simulator's), GCs and their pause seconds.</summary>
    private sealed record Counters(double Cpu, double Simulator, double Collections, double Pause);

    /// <summary>Each gateway's <see cref="Counters"/>; those that answer.</summary>
    private static async Task<Dictionary<string, Counters>> CpuCountersAsync(HttpClient http, List<(string Name, int MetricsPort)> gateways)
    {
        var counters = new Dictionary<string, Counters>();
        foreach ((string name, int port) in gateways)
        {
            if (await SoakBench.ScrapeAsync(http, port) is { } metrics)
            {
                counters[name] = new Counters(
                    SoakBench.Gauge(metrics, "edgegateway_gateway_cpu_time_seconds_total"),
                    SoakBench.Gauge(metrics, "edgegateway_gateway_simulator_cpu_time_seconds_total"),
                    SoakBench.Gauge(metrics, "edgegateway_gateway_gc_collections_total"),
                    SoakBench.Gauge(metrics, "edgegateway_gateway_gc_pause_time_seconds_total"));
            }
        }

        return counters;
    }

    /// <summary>What one process's resident memory was made of over the window: a sample every 10 s.</summary>
    private sealed record Breakdown(string Name, List<Dictionary<string, long>> Maps, List<int> Threads, List<double> GcCommitted, List<double> Managed);

    private static readonly TimeSpan BreakdownInterval = TimeSpan.FromSeconds(10);

    /// <summary>Reads every process's mappings (and each gateway's GC gauges) every 10 s until <paramref name="window"/> is over.</summary>
    private static async Task<List<Breakdown>> BreakdownsAsync(HttpClient http, List<(string Name, ProcessSampler Sampler, int? MetricsPort)> sampled, TimeSpan window)
    {
        List<Breakdown> breakdowns = [.. sampled.Select(s => new Breakdown(s.Name, [], [], [], []))];
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < window)
        {
            for (int i = 0; i < sampled.Count; i++)
            {
                (_, ProcessSampler sampler, int? metricsPort) = sampled[i];
                if (MemoryMaps.Read(sampler.ProcessId) is not { } groups)
                {
                    continue; // gone
                }

                breakdowns[i].Maps.Add(groups);
                if (sampler.Samples.Count > 0)
                {
                    breakdowns[i].Threads.Add(sampler.Samples[^1].Threads);
                }

                if (metricsPort is { } port && await SoakBench.ScrapeAsync(http, port) is { } metrics)
                {
                    breakdowns[i].GcCommitted.Add(SoakBench.Gauge(metrics, "edgegateway_gateway_memory_gc_committed_bytes"));
                    breakdowns[i].Managed.Add(SoakBench.Gauge(metrics, "edgegateway_gateway_memory_managed_bytes"));
                }
            }

            TimeSpan left = window - Stopwatch.GetElapsedTime(start);
            await Task.Delay(left < BreakdownInterval ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : BreakdownInterval);
        }

        return breakdowns;
    }

    /// <summary>Mean MiB per kind of mapping, one column per process; "other anonymous" is the GC's committed memory and the rest.</summary>
    private static void PrintBreakdowns(List<Breakdown> breakdowns)
    {
        List<Breakdown> read = [.. breakdowns.Where(b => b.Maps.Count > 0)];
        Console.WriteLine("Resident memory by kind of mapping over the same window, mean MiB (/proc/PID/smaps every 10 s):");
        Console.WriteLine("| MiB | " + string.Join(" | ", read.Select(b => b.Name)) + " |");
        Console.WriteLine("|---|" + string.Concat(read.Select(_ => "---|")));
        foreach (string group in MemoryMaps.Groups)
        {
            Row(group, read.Select(b => Mean(b.Maps.Select(m => (double)m[group]))));
        }

        Row("**sum (RSS)**", read.Select(b => Mean(b.Maps.Select(m => (double)m.Values.Sum()))));
        Row("GC committed (gauge, in other anonymous)", read.Select(b => Mean(b.GcCommitted)));
        Row("managed heap (gauge)", read.Select(b => Mean(b.Managed)));
        Row("other anonymous − GC committed", read.Select(b => Mean(b.Maps.Select(m => (double)m[MemoryMaps.Anonymous])) - Mean(b.GcCommitted)));
        Console.WriteLine("| threads (mean) | " + string.Join(" | ", read.Select(b => b.Threads.Count == 0 ? "" : b.Threads.Average().ToString("0.0", CultureInfo.InvariantCulture))) + " |");

        static double Mean(IEnumerable<double> values) => values.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();

        static void Row(string name, IEnumerable<double> bytes) =>
            Console.WriteLine($"| {name} | " + string.Join(" | ", bytes.Select(b => double.IsFinite(b) ? (b / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) : "")) + " |");
    }
}
