using System.Diagnostics;
using EdgeGateway.Hardware.Simulation;
using EdgeGateway.Hardware.Simulation.Hcsr04;

namespace EdgeGateway.Hardware.Tests.Simulation;

/// <summary>
/// Tests whose simulated devices run on real time against bindings that busy-wait on GPIO (HC-SR04, HX711). They run
/// alone, after the parallel tests of this assembly, so that they do not take each other's CPU: a polling thread that
/// loses its core mis-times a pulse, as it would on a Raspberry Pi.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeGpioDevices
{
    public const string Name = "Real-time GPIO devices";
}

/// <summary>What a downward ranger sees, set by the test or as a function of simulated time.</summary>
internal sealed class SettableRangingTarget : IRangingTarget
{
    public double DistanceMm { get; set; } = 1000;

    public bool Returned { get; set; } = true;

    public Func<TimeSpan, RangeEcho>? Script { get; set; }

    public RangeEcho Echo(TimeSpan at) => Script?.Invoke(at) ?? new RangeEcho(DistanceMm, Returned);
}

/// <summary>What sits on a load cell, set by the test or as a function of simulated time.</summary>
internal sealed class SettableLoadCell : ILoadCellInput
{
    private double _kilograms;

    public double Kg
    {
        get => Volatile.Read(ref _kilograms);
        set => Volatile.Write(ref _kilograms, value);
    }

    public Func<TimeSpan, double>? Script { get; set; }

    public double Kilograms(TimeSpan at) => Script?.Invoke(at) ?? Kg;
}

internal static class RealTime
{
    /// <summary>
    /// Readings through the real HC-SR04 binding that the simulator saw sampled in time: each ping whose echo edges the
    /// reading thread saw within <paramref name="maxDelayUs"/> µs (<see cref="SimulatedHcsr04.LastEchoSamplingDelay"/>) gives
    /// its reading (NaN when the binding failed it); pings whose thread lost its CPU at an edge are left out, as their
    /// error is the scheduler's, not the module's. Stops after <paramref name="needed"/> such readings, or after
    /// <paramref name="attempts"/> pings once a minute has passed: on a saturated machine most pings are disturbed, so
    /// the number of pings tried grows with the load instead of the verdict depending on it (the minute only bounds a
    /// machine so busy that no ping in hundreds keeps its CPU).
    /// </summary>
    public static List<double> UndisturbedReadings(SimulatedHcsr04 module, Func<double?> read, int needed = 3, int attempts = 30, double maxDelayUs = 10)
    {
        var readings = new List<double>();
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; readings.Count < needed && (i < attempts || (readings.Count == 0 && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(1))); i++)
        {
            int pings = module.PingCount;
            double? reading = read();
            if (module.PingCount == pings + 1 && module.LastEchoSamplingDelay is { } delay && delay.TotalMicroseconds <= maxDelayUs)
            {
                readings.Add(reading ?? double.NaN);
            }
        }

        return readings;
    }

    /// <summary>Spins until <paramref name="condition"/> holds or <paramref name="timeout"/> passes.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }
}

/// <summary>A hand-driven real-time line for a simulated device's <c>Timestamp</c>, in <see cref="Stopwatch"/> ticks.</summary>
internal sealed class ManualTime
{
    private long _now = 1_000_000;

    public long Now() => Volatile.Read(ref _now);

    public void Advance(double microseconds) =>
        Interlocked.Add(ref _now, (long)Math.Round(microseconds * Stopwatch.Frequency / 1_000_000));

    /// <summary>Advances by <paramref name="microseconds"/>, then reads <paramref name="pin"/>.</summary>
    public System.Device.Gpio.PinValue ReadAfter(System.Device.Gpio.GpioController gpio, int pin, double microseconds)
    {
        Advance(microseconds);
        return gpio.Read(pin);
    }
}
