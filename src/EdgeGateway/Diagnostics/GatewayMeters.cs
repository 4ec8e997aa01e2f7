using System.Diagnostics;
using System.Diagnostics.Metrics;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hardware.Simulation;

namespace EdgeGateway.Diagnostics;

/// <summary>
/// The gateway's own figures, for its status message (<see cref="GatewayFigures"/>) and for the optional loopback
/// <c>/metrics</c> (meter <see cref="MeterName"/>): sampling rounds and their length, the process's CPU and memory, and
/// whatever the link and protection register (outbox depth, thinned telemetry, faulted ports).
/// </summary>
/// <remarks>
/// The sampling thread only adds to a few counters under a lock held for nanoseconds (no allocation, no I/O); the
/// status writer takes the window since the previous status. Instruments are observed only when something listens.
/// </remarks>
public sealed class GatewayMeters : IDisposable
{
    public const string MeterName = "EdgeGateway.Gateway";

    private readonly Meter _meter = new(MeterName);

    /// <summary>This instance's meter: a listener tells its instruments from another instance's of the same name.</summary>
    internal Meter Meter => _meter;
    private readonly Histogram<double> _roundDuration;
    private readonly Lock _gate = new();
    private long _rounds;
    private long _windowRounds;
    private double _windowSumMs;
    private double _windowMaxMs;
    private (long Timestamp, TimeSpan Cpu)? _lastCpu;

    public GatewayMeters()
    {
        _roundDuration = _meter.CreateHistogram(
            "edgegateway.gateway.round.duration", "s", "Length of a sampling round (every port measured once) on the shed's clock.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.5, 2, 5] });
        _meter.CreateObservableCounter("edgegateway.gateway.rounds", () => Interlocked.Read(ref _rounds), "{round}", "Sampling rounds completed since start.");
        _meter.CreateObservableGauge("edgegateway.gateway.memory.resident", () => Environment.WorkingSet, "By", "Resident memory of the gateway process.");
        _meter.CreateObservableGauge("edgegateway.gateway.memory.managed", () => GC.GetTotalMemory(forceFullCollection: false), "By", "Managed heap in use (GC.GetTotalMemory), for telling a managed leak from native growth.");
        _meter.CreateObservableGauge("edgegateway.gateway.memory.gc_committed", () => GC.GetGCMemoryInfo().TotalCommittedBytes, "By", "Memory the GC has committed (as of the last collection): the managed heap's share of resident memory.");
        _meter.CreateObservableCounter("edgegateway.gateway.cpu.time", () => Environment.CpuUsage.TotalTime.TotalSeconds, "s", "Processor time the gateway process has used.");
        // The gen-0 budget is capped (System.GC.Gen0MaxBudget, the project file): more, shorter collections for less
        // resident memory. These two tell what that costs the sampling thread: the time every thread was paused, and how
        // often (docs/measurements.md, "Fourth run").
        _meter.CreateObservableCounter("edgegateway.gateway.gc.pause.time", () => GC.GetTotalPauseDuration().TotalSeconds, "s", "Time the garbage collector has paused the gateway's threads since start.");
        _meter.CreateObservableCounter("edgegateway.gateway.gc.collections", () => (long)GC.CollectionCount(0), "{collection}", "Garbage collections since start (every one collects generation 0).");
    }

    /// <summary>A round completed, <paramref name="duration"/> long on the shed's clock. Sampling thread.</summary>
    public void RoundCompleted(TimeSpan duration)
    {
        double ms = duration.TotalMilliseconds;
        lock (_gate)
        {
            _rounds++;
            _windowRounds++;
            _windowSumMs += ms;
            _windowMaxMs = Math.Max(_windowMaxMs, ms);
        }

        _roundDuration.Record(duration.TotalSeconds);
    }

    /// <summary>
    /// A simulated shed: the simulator's own processor time as well (<see cref="SimulatorCpu"/>: the simulated chips
    /// answer inside the binding's calls, on the product's threads), so that the product's share is
    /// <c>cpu.time − simulator.cpu.time</c>.
    /// </summary>
    public void ObserveSimulatorCpu() =>
        _meter.CreateObservableCounter("edgegateway.gateway.simulator.cpu.time", () => SimulatorCpu.Estimated.TotalSeconds, "s", "Processor time spent inside the simulated chips, the shed model and the scenario (an estimate from one call in 16 timed).");

    /// <summary>Exports a figure another area owns (the outbox's depth, faulted ports) as a gauge.</summary>
    public void Observe(string name, string unit, string description, Func<long> value) =>
        _meter.CreateObservableGauge(name, value, unit, description);

    /// <summary>The figures for a status message; starts a new window for the round lengths and the CPU share.</summary>
    /// <param name="thinnedTotal">Telemetry thinned by a full outbox, ever.</param>
    /// <param name="portsFaulted">Ports now in fault.</param>
    public GatewayFigures TakeFigures(long thinnedTotal, int portsFaulted)
    {
        long rounds;
        double? mean = null;
        double? max = null;
        lock (_gate)
        {
            rounds = _rounds;
            if (_windowRounds > 0)
            {
                mean = Math.Round(_windowSumMs / _windowRounds, 1);
                max = Math.Round(_windowMaxMs, 1);
            }

            _windowRounds = 0;
            _windowSumMs = 0;
            _windowMaxMs = 0;
        }

        return new GatewayFigures
        {
            Rounds = rounds,
            RoundMsMean = mean,
            RoundMsMax = max,
            ThinnedTotal = thinnedTotal,
            PortsFaulted = portsFaulted,
            CpuPct = TakeCpuShare(),
            MemoryMb = Math.Round(Environment.WorkingSet / (1024.0 * 1024.0), 1),
        };
    }

    public void Dispose() => _meter.Dispose();

    // Processor time over real (monotonic) time since the previous call: 100 is one core busy throughout.
    private double? TakeCpuShare()
    {
        long now = Stopwatch.GetTimestamp();
        TimeSpan cpu = Environment.CpuUsage.TotalTime;
        (long Timestamp, TimeSpan Cpu)? last;
        lock (_gate)
        {
            last = _lastCpu;
            _lastCpu = (now, cpu);
        }

        if (last is not { } previous)
        {
            return null;
        }

        TimeSpan wall = Stopwatch.GetElapsedTime(previous.Timestamp, now);
        return wall <= TimeSpan.Zero ? null : Math.Round(Math.Max(0, (cpu - previous.Cpu) / wall * 100), 1);
    }
}
