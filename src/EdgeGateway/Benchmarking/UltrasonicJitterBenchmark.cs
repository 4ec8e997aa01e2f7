using System.Device.Gpio;
using System.Globalization;
using EdgeGateway.Bins;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Bins;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Gpio;
using EdgeGateway.Hardware.Simulation.Hcsr04;
using EdgeGateway.Sampling;
using UnitsNet;

namespace EdgeGateway.Benchmarking;

/// <summary>
/// How far an HC-SR04 reading through the real binding strays on this machine, and what that does to bin samples. A
/// simulated module on a simulated GPIO driver answers a target at a known distance with an echo pulse in real time;
/// <see cref="Hcsr04FillSensor"/> (the binding, paced, each ping under <see cref="PingCpuHold"/> and repeated when its
/// thread lost the CPU) reads it, and <see cref="FillSensorFilter"/> reduces each sample's readings as the bin monitor
/// does. The binding times the echo by polling the pin against a Stopwatch, so what is measured is the scheduler's
/// hold on the reading thread: run it quiet and beside a load (<c>stress-ng --cpu N</c>) and compare.
/// </summary>
/// <remarks>
/// The week's figure is a projection, not a run: a week of real-time pings is a week. A sample fails when the filter
/// finds no valid distance; the monitor raises <c>bin_sensor_fault</c> after <see cref="BinThresholds.NoEchoSamples"/>
/// failed samples in a row. With failures independent at rate p, a week of samples at the default period holds about
/// samples × p^k such runs.
/// </remarks>
public static class UltrasonicJitterBenchmark
{
    private const int TriggerPin = 23;
    private const int EchoPin = 24;

    public static int Run(int samples, int readingsPerSample, double distanceMm, TextWriter output)
    {
        if (samples < 1 || readingsPerSample < 1 || distanceMm is < 20 or > 4000)
        {
            output.WriteLine("bench ultrasonic: --samples and --readings-per-sample must be at least 1, --distance-mm 20..4000");
            return 2;
        }

        using var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        var clock = new SimulatedClock(DateTimeOffset.UnixEpoch);
        using var module = new SimulatedHcsr04(driver, TriggerPin, EchoPin, new FixedTarget(distanceMm), clock);
        using var sensor = new Hcsr04FillSensor(gpio, TriggerPin, EchoPin, "bench", UltrasonicModule.Hcsr04);

        var errors = new List<double>(samples * readingsPerSample);
        var samplingDelaysUs = new List<double>(samples * readingsPerSample);
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        int failedSamples = 0, untimedSamples = 0, wrongSamples = 0, longestFailedRun = 0, failedRun = 0;
        int pingsBefore = module.PingCount;
        for (int s = 0; s < samples; s++)
        {
            // As the bin sampler reads a sample, watching each reading as it comes.
            FillSensorReadings readings = BinSampler.ReadFill(
                sensor,
                readingsPerSample,
                measured: distance =>
                {
                    errors.Add(distance.Millimeters - distanceMm);
                    if (module.LastEchoSamplingDelay is { } delay)
                    {
                        samplingDelaysUs.Add(delay.TotalMicroseconds);
                    }
                },
                failed: why =>
                {
                    string kind = why is null ? "unknown" : Kind(why);
                    failures[kind] = failures.GetValueOrDefault(kind) + 1;
                });
            if (FillSensorFilter.TryReduce(readings, out double reduced, out _))
            {
                failedRun = 0;
                if (Math.Abs(reduced - distanceMm) > FillSensorFilter.ClusterWidthMm)
                {
                    wrongSamples++;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sample {s + 1} read {reduced:0} mm from {string.Join(", ", readings.DistancesMm.Select(d => d.ToString("0", CultureInfo.InvariantCulture)))} mm"));
                }
            }
            else if (readings.OnlyUntimed)
            {
                // The monitor neither counts nor breaks a no-echo run on it (BinThresholds.UntimedSamples).
                untimedSamples++;
            }
            else
            {
                failedSamples++;
                failedRun++;
                longestFailedRun = Math.Max(longestFailedRun, failedRun);
            }
        }

        Report(output, samples, readingsPerSample, distanceMm, module.PingCount - pingsBefore, errors, samplingDelaysUs, failures, (failedSamples, untimedSamples), wrongSamples, longestFailedRun);
        return 0;
    }

    private static void Report(
        TextWriter output, int samples, int readingsPerSample, double distanceMm, int pings, List<double> errors, List<double> samplingDelaysUs,
        Dictionary<string, int> failures, (int Failed, int Untimed) sampleFailures, int wrongSamples, int longestFailedRun)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        int readings = samples * readingsPerSample;
        double[] absolute = [.. errors.Select(Math.Abs).Order()];
        double[] delays = [.. samplingDelaysUs.Order()];
        output.WriteLine(string.Create(c, $"HC-SR04 at {distanceMm:0} mm: {samples} samples of {readingsPerSample} readings ({readings} readings, {pings} pings), {Environment.ProcessorCount} CPUs, load average {LoadAverage()}"));
        output.WriteLine(string.Create(c, $"readings: {errors.Count} valid, {readings - errors.Count} failed{(failures.Count == 0 ? "" : " (" + string.Join(", ", failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key} {f.Value}")) + ")")}; {pings - readings} pings repeated because the thread lost its CPU"));
        if (absolute.Length > 0)
        {
            output.WriteLine(string.Create(c, $"|error| of valid readings: p50 {Quantile(absolute, 0.5):0.0} mm, p90 {Quantile(absolute, 0.9):0.0} mm, p99 {Quantile(absolute, 0.99):0.0} mm, p99.9 {Quantile(absolute, 0.999):0.0} mm, max {absolute[^1]:0.0} mm; beyond {FillSensorFilter.ClusterWidthMm:0} mm: {absolute.Count(e => e > FillSensorFilter.ClusterWidthMm)}"));
        }

        if (delays.Length > 0)
        {
            output.WriteLine(string.Create(c, $"echo edge seen late by: p50 {Quantile(delays, 0.5):0} µs, p99 {Quantile(delays, 0.99):0} µs, max {delays[^1]:0} µs"));
        }

        (int failedSamples, int untimedSamples) = sampleFailures;
        double p = failedSamples / (double)samples;
        int k = new BinThresholds().NoEchoSamples;
        double perWeek = TimeSpan.FromDays(7) / new BinSamplingSettings().Period;
        output.WriteLine(string.Create(c, $"samples: {failedSamples} without a distance ({p:P2}), {untimedSamples} more that could not be timed at all, {wrongSamples} more than {FillSensorFilter.ClusterWidthMm:0} mm off; longest run without a distance {longestFailedRun}"));
        output.WriteLine(string.Create(c, $"projected bin_sensor_fault per sensor-week ({perWeek:0} samples, {k} failed in a row): {perWeek * Math.Pow(p, k):0.####}"));
    }

    /// <summary>The reading's failure without the sensor's name and numbers, to count alike ones together.</summary>
    private static string Kind(string failure)
    {
        int colon = failure.IndexOf(": ", StringComparison.Ordinal);
        string text = colon < 0 ? failure : failure[(colon + 2)..];
        int cut = text.IndexOfAny(['(', ';']);
        return (cut < 0 ? text : text[..cut]).Trim();
    }

    private static double Quantile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    private static string LoadAverage()
    {
        const string File = "/proc/loadavg";
        return System.IO.File.Exists(File) ? System.IO.File.ReadAllText(File).Split(' ')[0] : "n/a";
    }

    private sealed class FixedTarget(double distanceMm) : IRangingTarget
    {
        public RangeEcho Echo(TimeSpan at) => new(distanceMm, Returned: true);
    }
}
