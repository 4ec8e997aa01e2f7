using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Mqtt.Tests.Testing;

/// <summary>
/// The /proc sampler against child processes that burn CPU, fill memory or hold descriptors, and against the test
/// process itself. Directions and counts are asserted, not exact figures: the machine is shared with other tests.
/// </summary>
public sealed class ProcessSamplerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60); // a hang bound, generous for a loaded machine

    [Fact]
    public async Task Sampling_the_test_process_itself_reads_its_memory_threads_and_descriptors()
    {
        await using var sampler = ProcessSampler.Start(Environment.ProcessId, TimeSpan.FromMilliseconds(50));
        await Task.Delay(300);
        await sampler.StopAsync();

        IReadOnlyList<ProcessSample> samples = sampler.Samples;
        Assert.True(samples.Count >= 3, $"{samples.Count} samples");
        Assert.Null(samples[0].CpuPercent);
        Assert.All(samples.Skip(1), sample => Assert.NotNull(sample.CpuPercent));
        Assert.All(samples, sample =>
        {
            Assert.True(sample.RssBytes > 10 << 20, $"RSS {sample.RssBytes}");
            Assert.True(sample.Threads > 1, $"{sample.Threads} threads");
            Assert.True(sample.OpenFds > 3, $"{sample.OpenFds} descriptors");
            Assert.True(sample.CpuTime > TimeSpan.Zero);
        });
        Assert.True(samples.Zip(samples.Skip(1)).All(pair => pair.Second.Elapsed > pair.First.Elapsed && pair.Second.CpuTime >= pair.First.CpuTime));
        Assert.False(sampler.ProcessExited);
        Assert.Equal(100, ProcessSampler.ClockTicksPerSecond);
    }

    [Fact]
    public async Task Samples_are_written_to_the_csv_as_they_are_taken_before_the_sampler_stops()
    {
        string csv = Path.Combine(Path.GetTempPath(), $"edgegateway-samples-{Guid.NewGuid():N}.csv");
        try
        {
            await using var sampler = ProcessSampler.Start(Environment.ProcessId, TimeSpan.FromMilliseconds(50), csv);
            var waited = Stopwatch.StartNew();
            while (sampler.Samples.Count < 3 && waited.Elapsed < Wait)
            {
                await Task.Delay(50);
            }

            // Read while the sampler still runs (shared, as another process would): a run stopped now keeps these.
            IReadOnlyList<ProcessSample> taken = sampler.Samples;
            string[] lines;
            using (var reader = new StreamReader(new FileStream(csv, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
            {
                lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }

            Assert.Equal(ProcessSampler.CsvHeader, lines[0]);
            Assert.True(lines.Length - 1 >= taken.Count, $"{lines.Length - 1} rows for {taken.Count} samples");
            string[] first = lines[1].Split(',');
            Assert.Equal(7, first.Length);
            Assert.Equal(taken[0].RssBytes, long.Parse(first[4], CultureInfo.InvariantCulture));
            Assert.Equal(string.Empty, first[3]); // the first sample has no CPU percent
            Assert.Equal(taken[0].Threads, int.Parse(first[6], CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(csv);
        }
    }

    [Fact]
    public async Task A_busy_child_reads_as_a_busy_core_and_an_idle_one_as_almost_none()
    {
        using Process busy = Child("sh", "-c", "while :; do :; done");
        using Process idle = Child("sleep", "30");
        ProcessSummary busySummary;
        ProcessSummary idleSummary;
        try
        {
            await using var busySampler = ProcessSampler.Start(busy.Id, TimeSpan.FromMilliseconds(200));
            await using var idleSampler = ProcessSampler.Start(idle.Id, TimeSpan.FromMilliseconds(200));

            // Sample until the busy child has had a second of CPU, however the machine's cores are shared (on an idle
            // machine that is about a second; with every core saturated by other work, several).
            TimeSpan cpuAtStart = ProcessSampler.Read(busy.Id)!.CpuTime;
            var waited = Stopwatch.StartNew();
            while (ProcessSampler.Read(busy.Id)!.CpuTime - cpuAtStart < TimeSpan.FromSeconds(1.2) && waited.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(100);
            }

            await busySampler.StopAsync();
            await idleSampler.StopAsync();
            busySummary = busySampler.Summary;
            idleSummary = idleSampler.Summary;
        }
        finally
        {
            busy.Kill();
            idle.Kill();
        }

        // The busy child's CPU time over the run, as the sampler reads it: most of the second it was given (the sampler's
        // first and last readings fall a little inside the wait), never more than one core (it has one thread).
        TimeSpan busyCpu = busySummary.Duration * (busySummary.MeanCpuPercent / 100);
        Assert.True(busyCpu >= TimeSpan.FromSeconds(0.8), busySummary.ToString());
        Assert.True(busySummary.MeanCpuPercent <= 105, busySummary.ToString());
        Assert.True(busySummary.MaxCpuPercent >= busySummary.MeanCpuPercent, busySummary.ToString());
        Assert.True(idleSummary.MeanCpuPercent < 5, idleSummary.ToString());
        Assert.True(busySummary.MeanCpuPercent > idleSummary.MeanCpuPercent, $"{busySummary} against {idleSummary}");
    }

    [Fact]
    public async Task A_child_filling_its_memory_shows_resident_memory_growing()
    {
        // tail -c N keeps the last N bytes of a pipe in memory until end of input: what is written to its stdin is
        // what it holds, so the test decides how the child's memory grows (20 steps of 10 MiB).
        using Process tail = ChildReadingStdin("tail", "-c", "400M");
        ProcessSummary summary;
        try
        {
            await using var sampler = ProcessSampler.Start(tail.Id, TimeSpan.FromMilliseconds(50));
            byte[] chunk = new byte[10 << 20];
            for (int i = 0; i < 20; i++)
            {
                await tail.StandardInput.BaseStream.WriteAsync(chunk);
                await tail.StandardInput.BaseStream.FlushAsync();
                await Task.Delay(50);
            }

            await sampler.StopAsync();
            summary = sampler.Summary;
        }
        finally
        {
            tail.Kill();
        }

        Assert.True(summary.LastRssBytes >= summary.FirstRssBytes + (100 << 20), summary.ToString());
        Assert.True(summary.MaxRssBytes >= summary.LastRssBytes, summary.ToString());
        Assert.True(summary.RssGrowthBytesPerHour > 0, summary.ToString());
    }

    [Fact]
    public async Task The_descriptors_a_child_holds_are_counted()
    {
        // The same program twice, once holding five more files open (descriptors 3 to 7, inherited across exec).
        using Process plain = Child("sh", "-c", "exec sleep 30");
        using Process holding = Child("sh", "-c", "exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null; exec sleep 30");
        try
        {
            await UntilRunningAsync(plain, "sleep");
            await UntilRunningAsync(holding, "sleep");
            await UntilDescriptorsSettleAsync(plain);
            await UntilDescriptorsSettleAsync(holding);

            ProcessSample? plainSample = ProcessSampler.Read(plain.Id);
            ProcessSample? holdingSample = ProcessSampler.Read(holding.Id);

            Assert.NotNull(plainSample);
            Assert.NotNull(holdingSample);
            // Exactly what the kernel lists for each child, and for the one holding them at least its standard three and
            // the five. (A descriptor another test thread had open while the children were forked can be inherited by
            // either, in any number: one run saw plain with 6 and holding with 10, so plain is no baseline at all.)
            Assert.Equal(Directory.GetFileSystemEntries($"/proc/{plain.Id}/fd").Length, plainSample.OpenFds);
            Assert.Equal(Directory.GetFileSystemEntries($"/proc/{holding.Id}/fd").Length, holdingSample.OpenFds);
            Assert.True(holdingSample.OpenFds >= 3 + 5, $"{holdingSample.OpenFds} descriptors");
            Assert.All(Enumerable.Range(3, 5), fd => Assert.Equal("/dev/null", new FileInfo($"/proc/{holding.Id}/fd/{fd}").LinkTarget));
            Assert.Equal(1, holdingSample.Threads);
        }
        finally
        {
            plain.Kill();
            holding.Kill();
        }
    }

    [Fact]
    public async Task Sampling_stops_by_itself_when_the_process_exits()
    {
        using Process brief = Child("sleep", "0.3");
        await using var sampler = ProcessSampler.Start(brief.Id, TimeSpan.FromMilliseconds(50));

        var waited = Stopwatch.StartNew();
        while (!sampler.ProcessExited)
        {
            Assert.True(waited.Elapsed < Wait, "the sampler never noticed the process had exited");
            await Task.Delay(20);
        }

        int count = sampler.Samples.Count;
        await Task.Delay(200);
        Assert.Equal(count, sampler.Samples.Count);
        Assert.Null(ProcessSampler.Read(brief.Id));
    }

    [Fact]
    public void Starting_on_a_pid_no_process_has_is_refused()
    {
        // pid_max is one above the largest pid the kernel hands out.
        int pidMax = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture);

        Assert.Throws<ArgumentException>(() => ProcessSampler.Start(pidMax, TimeSpan.FromSeconds(1)));
        Assert.Null(ProcessSampler.Read(pidMax));
    }

    [Fact]
    public void The_summary_fits_growth_per_hour_by_least_squares_and_averages_CPU_over_the_whole_run()
    {
        // Four samples 10 minutes apart: RSS +10 MiB every 10 minutes (60 MiB an hour) with noise that the fit
        // averages out, descriptors 20, 21, 21, 22, CPU 6 s of one core in the first 10 minutes (1 %), then idle.
        DateTimeOffset start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        long mib = 1 << 20;
        ProcessSample[] samples =
        [
            new(TimeSpan.Zero, start, TimeSpan.FromSeconds(10), null, 100 * mib, 20, 8),
            new(TimeSpan.FromMinutes(10), start.AddMinutes(10), TimeSpan.FromSeconds(16), 1.0, 111 * mib, 21, 9),
            new(TimeSpan.FromMinutes(20), start.AddMinutes(20), TimeSpan.FromSeconds(16), 0.0, 119 * mib, 21, 9),
            new(TimeSpan.FromMinutes(30), start.AddMinutes(30), TimeSpan.FromSeconds(16), 0.0, 130 * mib, 22, 8),
        ];

        var summary = ProcessSummary.Of(samples);

        Assert.Equal(4, summary.Samples);
        Assert.Equal(TimeSpan.FromMinutes(30), summary.Duration);
        Assert.Equal(6.0 / 1800 * 100, summary.MeanCpuPercent, 9);
        Assert.Equal(1.0, summary.MaxCpuPercent);
        Assert.Equal(100 * mib, summary.FirstRssBytes);
        Assert.Equal(130 * mib, summary.LastRssBytes);
        Assert.Equal(130 * mib, summary.MaxRssBytes);
        // x = 0, 1/6, 2/6, 3/6 h, y = 100, 111, 119, 130 MiB: Σdx·dy / Σdx² = (49/6) / (5/36) = 58.8 MiB/h.
        Assert.Equal(58.8 * mib, summary.RssGrowthBytesPerHour, 1e-6 * mib);
        Assert.Equal(20, summary.FirstOpenFds);
        Assert.Equal(22, summary.LastOpenFds);
        Assert.Equal(22, summary.MaxOpenFds);
        Assert.Equal(3.6, summary.OpenFdGrowthPerHour, 9);
        Assert.Equal(9, summary.MaxThreads);
        Assert.Throws<InvalidOperationException>(() => ProcessSummary.Of([]));
    }

    private static Process Child(string program, params string[] arguments) => Start(program, arguments, redirectInput: false);

    private static Process ChildReadingStdin(string program, params string[] arguments) => Start(program, arguments, redirectInput: true);

    private static Process Start(string program, string[] arguments, bool redirectInput)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardInput = redirectInput };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>
    /// exec names the new program before it closes the descriptors marked close-on-exec, so the name alone does not say
    /// the list is final (a sample once counted 11 and the listing a moment later 10): waits until two listings agree.
    /// </summary>
    private static async Task UntilDescriptorsSettleAsync(Process process)
    {
        var waited = Stopwatch.StartNew();
        int last = -1;
        while (Directory.GetFileSystemEntries($"/proc/{process.Id}/fd").Length is int now && now != last)
        {
            Assert.True(waited.Elapsed < Wait, $"{process.Id}'s descriptors never settled");
            last = now;
            await Task.Delay(50);
        }
    }

    private static async Task UntilRunningAsync(Process process, string program)
    {
        var waited = Stopwatch.StartNew();
        while (File.ReadAllText($"/proc/{process.Id}/comm").Trim() != program)
        {
            Assert.True(waited.Elapsed < Wait, $"{process.Id} never became {program}");
            await Task.Delay(10);
        }
    }
}
