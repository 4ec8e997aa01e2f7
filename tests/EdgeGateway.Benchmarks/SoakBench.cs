using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/EdgeGateway.Benchmarks -- soak [--shed-hours H] [--speed S] [--ports N]
/// [--wall-limit hh:mm:ss] [--interval-s I] [--warmup-fraction F] [--no-baseline]</c>: the gateway alone, as its own
/// process (<c>run --simulate</c>, embedded broker, the demo shed or a generated one of N ports) for H hours of shed
/// time (default 24) at speed S (default 0: as fast as the CPU allows), beside an empty <c>dotnet new worker</c> built
/// and run in the same run for comparison. Every I seconds (default 10): resident memory, open file descriptors and
/// CPU of both from /proc, and the gateway's managed heap from its loopback <c>/metrics</c>. After the warm-up (the
/// first fraction F of the samples, default 0.2) the growth of each is fitted by least squares and reported per hour
/// with the slope's standard error (an ordinary least-squares error: neighbouring samples are correlated, so it is
/// optimistic; compare the slope with it and with the spread, not as a significance test).
/// Ends when the gateway has run its shed time or at the wall limit (default 02:30:00), whichever is first.
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

        string work = Directory.CreateTempSubdirectory("edgegateway-soak-").FullName;
        try
        {
            string? worker = baseline ? await BuildEmptyWorkerAsync(work) : null;
            int metricsPort = LoopbackPorts.Claim();
            string[] run =
            [
                "run", "--simulate", "--speed", speed, "--duration", TimeSpan.FromHours(shedHours).ToString("c", CultureInfo.InvariantCulture),
                "--data-dir", Directory.CreateDirectory(Path.Combine(work, "gw")).FullName, .. ports is null ? Array.Empty<string>() : ["--ports", ports],
            ];
            Console.WriteLine($"soak: gateway {string.Join(' ', run)}; /metrics on 127.0.0.1:{metricsPort}; sample every {interval.TotalSeconds:0} s; wall limit {wallLimit}");
            await using var gateway = ProductProcess.Start("EdgeGateway", run,
                new Dictionary<string, string> { ["EDGEGATEWAY_Metrics__PrometheusPort"] = metricsPort.ToString(CultureInfo.InvariantCulture) });
            using Process? empty = worker is null ? null : StartWorker(worker);

            await using var gatewaySampler = ProcessSampler.Start(gateway.Id, interval);
            await using ProcessSampler? workerSampler = empty is null ? null : ProcessSampler.Start(empty.Id, interval);
            var heap = new List<(TimeSpan Elapsed, double Bytes)>();
            var committed = new List<(TimeSpan Elapsed, double Bytes)>();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(30) };
            long started = Stopwatch.GetTimestamp();
            while (!gatewaySampler.ProcessExited && Stopwatch.GetElapsedTime(started) < wallLimit)
            {
                await Task.Delay(interval);
                if (await ScrapeAsync(http) is { } metrics)
                {
                    TimeSpan at = Stopwatch.GetElapsedTime(started);
                    foreach ((List<(TimeSpan, double)> series, string name) in new[] { (heap, "edgegateway_gateway_memory_managed_bytes"), (committed, "edgegateway_gateway_memory_gc_committed_bytes") })
                    {
                        if (Gauge(metrics, name) is var value && double.IsFinite(value))
                        {
                            series.Add((at, value));
                        }
                    }
                }
            }

            bool finished = gatewaySampler.ProcessExited;
            IReadOnlyList<ProcessSample> gw = gatewaySampler.Samples;
            IReadOnlyList<ProcessSample> wk = workerSampler?.Samples ?? [];
            empty?.Kill(entireProcessTree: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: {(finished ? "the gateway ran its shed time" : "wall limit reached")} after {Stopwatch.GetElapsedTime(started):hh\\:mm\\:ss}; {gw.Count} samples"));
            Report("gateway", gw, warmup);
            Report("  managed heap", heap.Select(h => (h.Elapsed, h.Bytes)).ToList(), warmup, "MiB", 1024.0 * 1024.0);
            Report("  GC committed", committed.Select(h => (h.Elapsed, h.Bytes)).ToList(), warmup, "MiB", 1024.0 * 1024.0);
            if (wk.Count > 0)
            {
                Report("empty worker", wk, warmup);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
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
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name}: {kept[0].Value / scale:0.0} -> {kept[^1].Value / scale:0.0} {unit} (mean {kept.Average(k => k.Value) / scale:0.0}, max {kept.Max(k => k.Value) / scale:0.0}) " +
            $"over {(kept[^1].Elapsed - kept[0].Elapsed).TotalHours:0.00} h after warm-up; growth {slope / scale:+0.00;-0.00;0.00} ± {error / scale:0.00} {unit}/h (n = {kept.Count})"));
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

    private static async Task<string?> ScrapeAsync(HttpClient http)
    {
        try
        {
            return await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
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

    private static double Gauge(string metrics, string name) =>
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
