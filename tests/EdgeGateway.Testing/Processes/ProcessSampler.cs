using System.Diagnostics;
using System.Globalization;

namespace EdgeGateway.Testing.Processes;

/// <summary>
/// One reading of a process from /proc. <c>Elapsed</c> is the time since the sampler started (monotonic; zero for a
/// single <see cref="ProcessSampler.Read"/>), <c>At</c> the wall clock; <c>CpuTime</c> is user plus system time since
/// the process started; <c>CpuPercent</c> is the CPU it used since the previous sample, in percent of one core (so a
/// process busy on two cores reads 200), null for the first sample, which has nothing to compare with.
/// </summary>
public sealed record ProcessSample(
    TimeSpan Elapsed, DateTimeOffset At, TimeSpan CpuTime, double? CpuPercent, long RssBytes, int OpenFds, int Threads);

/// <summary>
/// What a run of samples shows: CPU (mean over the whole run, and the busiest interval), resident memory and open
/// file descriptors at the start, the end and their peak, and how fast they grow (least-squares slope over every
/// sample, per hour, so a soak run of minutes can be read as a leak rate).
/// </summary>
public sealed record ProcessSummary(
    int Samples,
    TimeSpan Duration,
    double MeanCpuPercent,
    double MaxCpuPercent,
    long FirstRssBytes,
    long LastRssBytes,
    long MaxRssBytes,
    double RssGrowthBytesPerHour,
    int FirstOpenFds,
    int LastOpenFds,
    int MaxOpenFds,
    double OpenFdGrowthPerHour,
    int MaxThreads)
{
    /// <summary>Summarises <paramref name="samples"/>, in the order taken; at least one.</summary>
    public static ProcessSummary Of(IReadOnlyList<ProcessSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new InvalidOperationException("No samples: the process had gone before the first reading.");
        }

        ProcessSample first = samples[0];
        ProcessSample last = samples[^1];
        TimeSpan duration = last.Elapsed - first.Elapsed;

        // The mean is the CPU time used over the wall time passed, not the mean of the intervals' percentages,
        // which would over-weigh a short interval when the sampler ran late.
        double meanCpu = duration > TimeSpan.Zero ? 100 * (last.CpuTime - first.CpuTime) / duration : 0;
        double maxCpu = samples.Max(sample => sample.CpuPercent ?? 0);
        return new ProcessSummary(
            samples.Count,
            duration,
            meanCpu,
            maxCpu,
            first.RssBytes,
            last.RssBytes,
            samples.Max(sample => sample.RssBytes),
            SlopePerHour(samples, sample => sample.RssBytes),
            first.OpenFds,
            last.OpenFds,
            samples.Max(sample => sample.OpenFds),
            SlopePerHour(samples, sample => sample.OpenFds),
            samples.Max(sample => sample.Threads));
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Samples} samples over {Duration.TotalSeconds:0.0} s: CPU mean {MeanCpuPercent:0.0} %, max {MaxCpuPercent:0.0} % of one core; " +
        $"RSS {Mib(FirstRssBytes):0.0} -> {Mib(LastRssBytes):0.0} MiB (max {Mib(MaxRssBytes):0.0}, {Mib((long)RssGrowthBytesPerHour):+0.0;-0.0;0} MiB/h); " +
        $"fds {FirstOpenFds} -> {LastOpenFds} (max {MaxOpenFds}, {OpenFdGrowthPerHour:+0.0;-0.0;0}/h); threads max {MaxThreads}");

    private static double Mib(long bytes) => bytes / (1024.0 * 1024.0);

    /// <summary>The least-squares slope of <paramref name="value"/> over elapsed hours; 0 without two distinct times.</summary>
    private static double SlopePerHour(IReadOnlyList<ProcessSample> samples, Func<ProcessSample, double> value)
    {
        double meanX = samples.Average(sample => sample.Elapsed.TotalHours);
        double meanY = samples.Average(value);
        double sxx = 0;
        double sxy = 0;
        foreach (ProcessSample sample in samples)
        {
            double dx = sample.Elapsed.TotalHours - meanX;
            sxx += dx * dx;
            sxy += dx * (value(sample) - meanY);
        }

        return sxx > 0 ? sxy / sxx : 0;
    }
}

/// <summary>
/// Samples a process by pid from /proc every interval: CPU time (utime + stime of /proc/PID/stat, in clock ticks),
/// CPU percent of one core over each interval, resident memory (VmRSS of /proc/PID/status), open file descriptors
/// (entries of /proc/PID/fd) and threads. Works for any process this user may read, the test's own included
/// (<see cref="Environment.ProcessId"/>). A managed heap is not visible from outside; RSS is what the kernel charges.
/// Sampling ends by itself when the process exits (<see cref="ProcessExited"/>).
/// </summary>
/// <remarks>
/// The kernel reports CPU time in clock ticks (10 ms at 100 per second), so one interval's percentage is coarse
/// (±10 points at a 100 ms interval); the summary's mean, over the whole run, is not.
/// </remarks>
public sealed class ProcessSampler : IAsyncDisposable
{
    private static readonly Lazy<long> Ticks = new(ReadClockTicksPerSecond);

    private readonly List<ProcessSample> _samples = [];
    private readonly Lock _gate = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _stop = new();
    private readonly StreamWriter? _csv;
    private Task _sampling = Task.CompletedTask;
    private volatile bool _exited;

    private ProcessSampler(int pid, TimeSpan interval, string? csvPath)
    {
        ProcessId = pid;
        Interval = interval;
        if (csvPath is not null)
        {
            _csv = new StreamWriter(csvPath, append: false) { AutoFlush = true };
            _csv.WriteLine(CsvHeader);
        }
    }

    /// <summary>The columns of the file <see cref="Start"/> writes samples to.</summary>
    public const string CsvHeader = "elapsed_s,at,cpu_s,cpu_percent,rss_bytes,open_fds,threads";

    /// <summary>Clock ticks per second of /proc/PID/stat's CPU times (<c>getconf CLK_TCK</c>; 100 on every Linux the product runs on).</summary>
    public static long ClockTicksPerSecond => Ticks.Value;

    public int ProcessId { get; }

    public TimeSpan Interval { get; }

    /// <summary>The process had gone at a reading, and sampling stopped.</summary>
    public bool ProcessExited => _exited;

    /// <summary>The samples so far, in the order taken.</summary>
    public IReadOnlyList<ProcessSample> Samples
    {
        get
        {
            lock (_gate)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>The summary of <see cref="Samples"/>.</summary>
    public ProcessSummary Summary => ProcessSummary.Of(Samples);

    /// <summary>
    /// Takes a first sample now and then one every <paramref name="interval"/> until stopped or the process exits;
    /// with <paramref name="csvPath"/>, each sample is also appended to that file as it is taken (<see cref="CsvHeader"/>),
    /// so a run stopped before its summary — a soak of hours cut short — still has its figures.
    /// </summary>
    /// <exception cref="ArgumentException">There is no process <paramref name="pid"/>.</exception>
    public static ProcessSampler Start(int pid, TimeSpan interval, string? csvPath = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var sampler = new ProcessSampler(pid, interval, csvPath);
        if (!sampler.TakeSample())
        {
            sampler._csv?.Dispose();
            sampler._stop.Dispose();
            throw new ArgumentException($"No process {pid} to sample.", nameof(pid));
        }

        sampler._sampling = sampler.SampleAsync();
        return sampler;
    }

    /// <summary>One reading of <paramref name="pid"/> now (<c>Elapsed</c> zero, no CPU percent); null if there is no such process.</summary>
    public static ProcessSample? Read(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ...". comm may hold spaces and parentheses, so the fields are
            // counted from the last ')': after it, field 3 (state) is at 0, utime (14) at 11, stime (15) at 12,
            // num_threads (20) at 17.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields[0] is "Z" or "X")
            {
                // A zombie has exited: no memory, no descriptors, only an exit status waiting for its parent.
                return null;
            }

            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            int threads = int.Parse(fields[17], CultureInfo.InvariantCulture);
            int fds = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
            return new ProcessSample(
                TimeSpan.Zero,
                DateTimeOffset.UtcNow,
                TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond),
                null,
                ReadRssBytes(pid),
                fds,
                threads);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            // ESRCH: the process went away between opening its files and reading them.
            return null;
        }
    }

    /// <summary>Takes one last sample (if the process is still there) and stops sampling.</summary>
    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        await _sampling;
        if (!_exited)
        {
            TakeSample();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        if (_csv is not null)
        {
            await _csv.DisposeAsync();
        }
    }

    private static long ReadRssBytes(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            // "VmRSS:\t   12345 kB"; kernel threads have no VmRSS line and no memory of their own.
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static long ReadClockTicksPerSecond()
    {
        try
        {
            using Process getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            string output = getconf.StandardOutput.ReadToEnd().Trim();
            getconf.WaitForExit();
            return long.TryParse(output, NumberStyles.None, CultureInfo.InvariantCulture, out long ticks) && ticks > 0 ? ticks : 100;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No getconf: USER_HZ is 100 on every architecture Linux exports to user space.
            return 100;
        }
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (!TakeSample())
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads the process and appends a sample; false (and <see cref="ProcessExited"/>) if it has gone.</summary>
    private bool TakeSample()
    {
        ProcessSample? reading = Read(ProcessId);
        if (reading is null)
        {
            _exited = true;
            return false;
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(_started);
        lock (_gate)
        {
            double? cpu = null;
            if (_samples.Count > 0)
            {
                ProcessSample previous = _samples[^1];
                TimeSpan wall = elapsed - previous.Elapsed;
                cpu = wall > TimeSpan.Zero ? 100 * (reading.CpuTime - previous.CpuTime) / wall : 0;
            }

            ProcessSample sample = reading with { Elapsed = elapsed, CpuPercent = cpu };
            _samples.Add(sample);
            _csv?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{sample.Elapsed.TotalSeconds:0.###},{sample.At:O},{sample.CpuTime.TotalSeconds:0.##},{sample.CpuPercent:0.#},{sample.RssBytes},{sample.OpenFds},{sample.Threads}"));
        }

        return true;
    }
}
