using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- soak [--shed-hours H] [--speed S] [--ports N]
/// [--wall-limit hh:mm:ss] [--interval-s I] [--warmup-fraction F] [--no-baseline] [--variant NAME=VAR=VALUE[;VAR=VALUE]]…
/// [--publish NAME=DIR[;VAR=VALUE]…]… [--csv FILE]</c>: the gateway alone, as its own process (<c>run --simulate</c>, embedded broker, the demo shed or a
/// generated one of N ports) for H hours of shed time (default 24) at speed S (default 0: as fast as the CPU allows),
/// beside an empty <c>dotnet new worker</c> built and run in the same run for comparison. Each <c>--variant</c> adds
/// a gateway run at the same time under those environment variables (an A/B of a fix on the same machine state,
/// e.g. <c>--variant "arenas 2=MALLOC_ARENA_MAX=2"</c>); each <c>--publish</c> one of a publish directory, the same
/// way (<see cref="PublishedGateway"/>: the bundle's Native AOT build, say); without either, a single gateway,
/// "default". Every I seconds
/// (default 10): resident memory, open file descriptors and CPU of each from /proc, resident memory per kind of
/// mapping from /proc/PID/smaps (<see cref="MemoryMaps"/>: JIT code, malloc arenas, other anonymous memory, assemblies,
/// native libraries…), and the gateway's managed heap and GC-committed bytes from its loopback <c>/metrics</c>; with
/// <c>--csv</c> every such sample is also appended to FILE as it is taken. After the warm-up (the first fraction F of
/// the samples, default 0.2) the growth of each is fitted by least squares and reported per hour with the slope's
/// standard error (an ordinary least-squares error: neighbouring samples are correlated, so it is optimistic; compare
/// the slope with it and with the spread, not as a significance test), and again over each half of what is left, so
/// that a warm-up that settles (a slope that falls to zero) is told from a steady climb (the same slope in both).
/// Ends when the gateways have run their shed time or at the wall limit (default 02:30:00), whichever is first.
/// </summary>
internal static class SoakBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        double shedHours = BenchArguments.Option(args, "--shed-hours").Select(BenchArguments.Double).FirstOrDefault(24);
        string speed = BenchArguments.Option(args, "--speed").FirstOrDefault("0");
        string? ports = BenchArguments.Option(args, "--ports").FirstOrDefault();
        TimeSpan wallLimit = BenchArguments.Option(args, "--wall-limit").Select(t => TimeSpan.Parse(t, CultureInfo.InvariantCulture)).FirstOrDefault(TimeSpan.FromHours(2.5));
        var interval = TimeSpan.FromSeconds(BenchArguments.Option(args, "--interval-s").Select(BenchArguments.Double).FirstOrDefault(10));
        double warmup = BenchArguments.Option(args, "--warmup-fraction").Select(BenchArguments.Double).FirstOrDefault(0.2);
        bool baseline = !args.Contains("--no-baseline");
        string? csv = BenchArguments.Option(args, "--csv").FirstOrDefault();
        List<(string Name, Dictionary<string, string> Environment)> variants = [.. BenchArguments.Options(args, "--variant").Select(Variant)];
        if (variants.Count == 0 && !args.Contains("--publish"))
        {
            variants.Add(("default", []));
        }

        string work = Directory.CreateTempSubdirectory("edgegateway-soak-").FullName;
        var gateways = new List<SoakedGateway>();
        try
        {
            string? worker = baseline ? await BuildEmptyWorkerAsync(work) : null;
            // Every gateway's command line: the same shed time and speed, a data directory of its own.
            string[] RunArguments() =>
            [
                "run", "--simulate", "--speed", speed, "--duration", TimeSpan.FromHours(shedHours).ToString("c", CultureInfo.InvariantCulture),
                "--data-dir", Directory.CreateDirectory(Path.Combine(work, "gw-" + gateways.Count.ToString(CultureInfo.InvariantCulture))).FullName,
                .. ports is null ? Array.Empty<string>() : ["--ports", ports],
            ];

            foreach ((string name, Dictionary<string, string> environment) in variants)
            {
                int metricsPort = LoopbackPorts.Claim();
                string[] run = RunArguments();
                var env = new Dictionary<string, string>(environment)
                {
                    ["EDGEGATEWAY_Metrics__PrometheusPort"] = metricsPort.ToString(CultureInfo.InvariantCulture),
                    ["EDGEGATEWAY_Mqtt__EmbeddedPort"] = LoopbackPorts.Claim().ToString(CultureInfo.InvariantCulture),
                };
                Console.WriteLine($"soak: gateway '{name}' ({string.Join(' ', environment.Select(e => $"{e.Key}={e.Value}"))}) {string.Join(' ', run)}; /metrics on 127.0.0.1:{metricsPort}");
                var process = ProductProcess.Start("EdgeGateway", run, env);
                gateways.Add(new SoakedGateway(name, process.Id, process, ProcessSampler.Start(process.Id, interval), metricsPort));
            }

            foreach ((string name, string directory, Dictionary<string, string> environment) in BenchArguments.Options(args, "--publish").Select(PublishedGateway.Parse))
            {
                int metricsPort = LoopbackPorts.Claim();
                environment["EDGEGATEWAY_Metrics__PrometheusPort"] = metricsPort.ToString(CultureInfo.InvariantCulture);
                string[] run = RunArguments();
                Console.WriteLine($"soak: gateway '{name}' ({directory}; {string.Join(' ', environment.Select(e => $"{e.Key}={e.Value}"))}) {string.Join(' ', run)}; /metrics on 127.0.0.1:{metricsPort}");
                Process process = PublishedGateway.Start(directory, environment, run);
                gateways.Add(new SoakedGateway(name, process.Id, new PublishedGateway.KilledOnDispose(process), ProcessSampler.Start(process.Id, interval), metricsPort));
            }

            Console.WriteLine($"soak: sample every {interval.TotalSeconds:0} s; wall limit {wallLimit}");
            using Process? empty = worker is null ? null : StartWorker(worker);
            await using ProcessSampler? workerSampler = empty is null ? null : ProcessSampler.Start(empty.Id, interval);
            await using StreamWriter? table = csv is null ? null : new StreamWriter(csv, append: false);
            table?.WriteLine("variant,elapsed_s,managed_bytes,gc_committed_bytes," + string.Join(',', MemoryMaps.Groups.Select(g => '"' + g + '"')));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            long started = Stopwatch.GetTimestamp();
            while (gateways.Any(g => !g.Sampler.ProcessExited) && Stopwatch.GetElapsedTime(started) < wallLimit)
            {
                await Task.Delay(interval);
                foreach (SoakedGateway gateway in gateways.Where(g => !g.Sampler.ProcessExited))
                {
                    await gateway.SampleAsync(http, Stopwatch.GetElapsedTime(started), table);
                }

                table?.Flush();
            }

            bool finished = gateways.All(g => g.Sampler.ProcessExited);
            IReadOnlyList<ProcessSample> wk = workerSampler?.Samples ?? [];
            empty?.Kill(entireProcessTree: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: {(finished ? "the gateways ran their shed time" : "wall limit reached")} after {Stopwatch.GetElapsedTime(started):hh\\:mm\\:ss}"));
            foreach (SoakedGateway gateway in gateways)
            {
                IReadOnlyList<ProcessSample> gw = gateway.Sampler.Samples;
                Console.WriteLine($"gateway '{gateway.Name}': {gw.Count} samples");
                Report("gateway", gw, warmup);
                Report("  managed heap", gateway.Heap, warmup, "MiB", 1024.0 * 1024.0);
                Report("  GC committed", gateway.Committed, warmup, "MiB", 1024.0 * 1024.0);
                foreach (string group in MemoryMaps.Groups)
                {
                    Report("  " + group, [.. gateway.Maps.Select(m => (m.Elapsed, (double)m.Groups[group]))], warmup, "MiB", 1024.0 * 1024.0);
                }
            }

            if (wk.Count > 0)
            {
                Report("empty worker", wk, warmup);
            }

            return 0;
        }
        finally
        {
            foreach (SoakedGateway gateway in gateways)
            {
                await gateway.Sampler.DisposeAsync();
                await gateway.Process.DisposeAsync();
            }

            Directory.Delete(work, recursive: true);
        }
    }

    private static (string Name, Dictionary<string, string> Environment) Variant(string option)
    {
        (string name, string environment) = BenchArguments.Named(option, "--variant NAME=VAR=VALUE[;VAR=VALUE]");
        return (name, BenchArguments.Environment(environment, "--variant"));
    }

    /// <summary>One gateway of the soak: its process, its /proc sampler, and what the soak reads of it besides.</summary>
    private sealed record SoakedGateway(string Name, int Pid, IAsyncDisposable Process, ProcessSampler Sampler, int MetricsPort)
    {
        public List<(TimeSpan Elapsed, double Value)> Heap { get; } = [];

        public List<(TimeSpan Elapsed, double Value)> Committed { get; } = [];

        public List<(TimeSpan Elapsed, Dictionary<string, long> Groups)> Maps { get; } = [];

        public async Task SampleAsync(HttpClient http, TimeSpan at, StreamWriter? table)
        {
            double heap = double.NaN;
            double committed = double.NaN;
            if (await ScrapeAsync(http, MetricsPort) is { } metrics)
            {
                heap = Gauge(metrics, "edgegateway_gateway_memory_managed_bytes");
                committed = Gauge(metrics, "edgegateway_gateway_memory_gc_committed_bytes");
                if (double.IsFinite(heap))
                {
                    Heap.Add((at, heap));
                }

                if (double.IsFinite(committed))
                {
                    Committed.Add((at, committed));
                }
            }

            if (MemoryMaps.Read(Pid) is not { } groups)
            {
                return;
            }

            Maps.Add((at, groups));
            table?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\"{Name}\",{at.TotalSeconds:0},{heap},{committed},{string.Join(',', MemoryMaps.Groups.Select(g => groups[g]))}"));
        }
    }

    private static void Report(string name, IReadOnlyList<ProcessSample> samples, double warmup)
    {
        if (samples.Count < 4)
        {
            Console.WriteLine($"{name}: too few samples ({samples.Count})");
            return;
        }

        List<ProcessSample> kept = [.. samples.Skip((int)(samples.Count * warmup))];
        double cpu = kept.Where(s => s.CpuPercent is not null).Select(s => s.CpuPercent!.Value).DefaultIfEmpty(0).Average();
        Report(name + " RSS", kept.Select(s => (s.Elapsed, (double)s.RssBytes)).ToList(), 0, "MiB", 1024.0 * 1024.0);
        Report(name + " fds", kept.Select(s => (s.Elapsed, (double)s.OpenFds)).ToList(), 0, "", 1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} CPU mean {cpu:0.0} % of one core after warm-up"));
    }

    private static void Report(string name, List<(TimeSpan Elapsed, double Value)> samples, double warmup, string unit, double scale)
    {
        List<(TimeSpan Elapsed, double Value)> kept = [.. samples.Skip((int)(samples.Count * warmup))];
        if (kept.Count < 3)
        {
            Console.WriteLine($"{name}: too few samples ({kept.Count})");
            return;
        }

        (double slope, double error) = Fit(kept);
        (double first, double firstError) = Fit(kept[..(kept.Count / 2)]);
        (double second, double secondError) = Fit(kept[(kept.Count / 2)..]);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name}: {kept[0].Value / scale:0.0} -> {kept[^1].Value / scale:0.0} {unit} (mean {kept.Average(k => k.Value) / scale:0.0}, max {kept.Max(k => k.Value) / scale:0.0}) " +
            $"over {(kept[^1].Elapsed - kept[0].Elapsed).TotalHours:0.00} h after warm-up; growth {slope / scale:+0.00;-0.00;0.00} ± {error / scale:0.00} {unit}/h (n = {kept.Count}); " +
            $"first half {first / scale:+0.00;-0.00;0.00} ± {firstError / scale:0.00}, second half {second / scale:+0.00;-0.00;0.00} ± {secondError / scale:0.00}"));
    }

    /// <summary>Ordinary least squares of value over hours: the slope and its standard error.</summary>
    internal static (double Slope, double StandardError) Fit(IReadOnlyList<(TimeSpan Elapsed, double Value)> samples)
    {
        double meanX = samples.Average(s => s.Elapsed.TotalHours);
        double meanY = samples.Average(s => s.Value);
        double sxx = samples.Sum(s => Math.Pow(s.Elapsed.TotalHours - meanX, 2));
        double sxy = samples.Sum(s => (s.Elapsed.TotalHours - meanX) * (s.Value - meanY));
        if (sxx <= 0 || samples.Count < 3)
        {
            return (0, double.NaN);
        }

        double slope = sxy / sxx;
        double intercept = meanY - (slope * meanX);
        double residuals = samples.Sum(s => Math.Pow(s.Value - (intercept + (slope * s.Elapsed.TotalHours)), 2));
        return (slope, Math.Sqrt(residuals / (samples.Count - 2) / sxx));
    }

    /// <summary>The gateway's loopback <c>/metrics</c> on <paramref name="port"/>; null while it does not answer.</summary>
    internal static async Task<string?> ScrapeAsync(HttpClient http, int port)
    {
        try
        {
            return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/metrics"));
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet, or gone
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The value of the first sample of <paramref name="name"/> in a Prometheus text page; NaN if absent.</summary>
    internal static double Gauge(string metrics, string name) =>
        metrics.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)).Select(l => double.Parse(l.Split(' ')[^1], CultureInfo.InvariantCulture)).FirstOrDefault(double.NaN);

    /// <summary><c>dotnet new worker</c>, built in Release: the smallest Generic Host service, for comparing footprints.</summary>
    internal static async Task<string> BuildEmptyWorkerAsync(string work)
    {
        string project = Directory.CreateDirectory(Path.Combine(work, "EmptyWorker")).FullName;
        await Dotnet(project, "new", "worker", "--force");
        await Dotnet(project, "build", "-c", "Release", "-o", Path.Combine(project, "out"));
        return Path.Combine(project, "out", "EmptyWorker.dll");
    }

    internal static Process StartWorker(string dll, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning"; // its template logs a line a second
        return StartDrained(start);
    }

    /// <summary>Starts a process whose output is read and dropped (a full pipe would stop it).</summary>
    internal static Process StartDrained(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task Dotnet(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }
    }
}
