using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- footprint [--minutes M] [--ports N]
/// [--only VARIANT]… [--publish NAME=DIR]…</c>: the
/// gateway at real time (<c>run --simulate --speed 1</c>, its embedded broker on a port of its own) under several
/// runtime settings at once, beside an empty <c>dotnet new worker</c> under the default and the chosen settings, all
/// started together so that they share the machine's state; after the first third of M minutes (default 6), resident
/// memory (mean and max) and CPU (mean, % of one core) of each; and for the build's gateways (those of
/// <c>--only</c>, when given) the CPU over the same window split into the simulator's (its
/// <c>edgegateway_gateway_simulator_cpu_time_seconds_total</c>, SimulatorCpu) and the product's, per port. The settings are runtime knobs that need no rebuild
/// (environment variables the .NET runtime reads); ReadyToRun, trimming and Native AOT need a publish of their own,
/// which <c>--publish NAME=DIR</c> runs beside them (DIR/EdgeGateway.dll with dotnet, or a native DIR/EdgeGateway
/// when there is no dll: Native AOT); the commands that made them are in docs/measurements.md.
/// </summary>
internal static class FootprintBench
{
    // Measured first (docs/measurements.md): the GC knobs (gen0 budget, non-concurrent, conserve memory) change nothing
    // — the managed heap is about 5 MiB of the gateway's ~95 — so what is left is code: the JIT's double-mapped
    // executable memory (W^X), tiered compilation's two versions of hot methods and PGO's instrumented ones.
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
        var sampled = new List<(string Name, ProcessSampler Sampler)>();
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
                sampled.Add(("gateway, " + name, ProcessSampler.Start(gateway.Id, interval)));
            }

            foreach ((string name, string directory) in BenchArguments.Options(args, "--publish").Select(Named))
            {
                Process published = StartPublished(directory, ports, duration, Directory.CreateDirectory(Path.Combine(work, "gw-" + sampled.Count.ToString(CultureInfo.InvariantCulture))).FullName);
                processes.Add(new KilledOnDispose(published));
                sampled.Add(("gateway, " + name, ProcessSampler.Start(published.Id, interval)));
            }

            foreach ((string name, Dictionary<string, string> environment) in new[] { GatewayVariants[0], GatewayVariants[^1] })
            {
                Process empty = SoakBench.StartWorker(worker, environment);
                processes.Add(new KilledOnDispose(empty));
                sampled.Add(("empty worker, " + name, ProcessSampler.Start(empty.Id, interval)));
            }

            Console.WriteLine($"footprint: {sampled.Count} processes for {duration}");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await Task.Delay(duration / 3);
            long windowStart = Stopwatch.GetTimestamp();
            Dictionary<string, (double Cpu, double Simulator)> before = await CpuCountersAsync(http, scraped);
            await Task.Delay(duration - (duration / 3));
            TimeSpan window = Stopwatch.GetElapsedTime(windowStart);
            Dictionary<string, (double Cpu, double Simulator)> after = await CpuCountersAsync(http, scraped);
            Console.WriteLine("| process | RSS mean / max (MiB) | CPU mean (% of one core) |");
            Console.WriteLine("|---|---|---|");
            foreach ((string name, ProcessSampler sampler) in sampled)
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
            Console.WriteLine("| process | gateway process | simulator | product | product per port |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach ((string name, _) in scraped.Where(s => before.ContainsKey(s.Name) && after.ContainsKey(s.Name)))
            {
                double cpu = 100 * (after[name].Cpu - before[name].Cpu) / window.TotalSeconds;
                double simulator = 100 * (after[name].Simulator - before[name].Simulator) / window.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {cpu:0.00} | {simulator:0.00} | {cpu - simulator:0.00} | {(cpu - simulator) / portCount:0.000} |"));
            }

            return 0;
        }
        finally
        {
            foreach ((string _, ProcessSampler sampler) in sampled)
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

    /// <summary>Each gateway's CPU time and its simulator's, in seconds, from its <c>/metrics</c>; those that answer.</summary>
    private static async Task<Dictionary<string, (double Cpu, double Simulator)>> CpuCountersAsync(HttpClient http, List<(string Name, int MetricsPort)> gateways)
    {
        var counters = new Dictionary<string, (double Cpu, double Simulator)>();
        foreach ((string name, int port) in gateways)
        {
            if (await SoakBench.ScrapeAsync(http, port) is { } metrics)
            {
                counters[name] = (SoakBench.Gauge(metrics, "edgegateway_gateway_cpu_time_seconds_total"), SoakBench.Gauge(metrics, "edgegateway_gateway_simulator_cpu_time_seconds_total"));
            }
        }

        return counters;
    }

    private static (string Name, string Directory) Named(string option)
    {
        (string name, string directory) = BenchArguments.Named(option, "--publish NAME=DIR");
        return (name, Path.GetFullPath(directory));
    }

    /// <summary>The gateway of a publish directory at real time, as <see cref="ProductProcess"/> runs the build's.</summary>
    private static Process StartPublished(string directory, string? ports, TimeSpan duration, string data)
    {
        string dll = Path.Combine(directory, "EdgeGateway.dll");
        ProcessStartInfo start = File.Exists(dll)
            ? new ProcessStartInfo("dotnet") { ArgumentList = { dll } }
            : new ProcessStartInfo(Path.Combine(directory, "EdgeGateway"));
        start.WorkingDirectory = directory;
        foreach (string arg in (string[])["run", "--simulate", "--speed", "1", "--duration", duration.Add(TimeSpan.FromMinutes(1)).ToString("c", CultureInfo.InvariantCulture), "--data-dir", data,
                     .. ports is null ? Array.Empty<string>() : ["--ports", ports]])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["EDGEGATEWAY_Mqtt__EmbeddedPort"] = LoopbackPorts.Claim().ToString(CultureInfo.InvariantCulture);
        start.Environment["Logging__Console__FormatterName"] = "simple";
        return SoakBench.StartDrained(start);
    }

    private sealed class KilledOnDispose(Process process) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
