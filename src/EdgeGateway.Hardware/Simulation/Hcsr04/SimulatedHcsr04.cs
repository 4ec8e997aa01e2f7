using System.Device.Gpio;
using System.Diagnostics;
using EdgeGateway.Hardware.Simulation.Gpio;

namespace EdgeGateway.Hardware.Simulation.Hcsr04;

/// <summary>What is wrong with a simulated ultrasonic module.</summary>
public enum Hcsr04Fault
{
    None,

    /// <summary>The echo line is cut or the module has no power: the echo pin reads low and never rises.</summary>
    Disconnected,

    /// <summary>
    /// The lock-up of some HC-SR04 clones: the next ping's echo rises and never falls, and the module ignores every
    /// trigger until it is power-cycled (here: until the fault is cleared).
    /// </summary>
    EchoStuckHigh,
}

/// <summary>
/// An HC-SR04 or JSN-SR04T ultrasonic ranger on two pins of a <see cref="SimulatedGpioDriver"/>: a trigger pulse of at
/// least 10 µs on <c>triggerPin</c> starts a ping; the echo pin goes high after the burst
/// (<see cref="Hcsr04Profile.EchoDelay"/>) and stays high for the sound's round trip, 2 × distance / 343 m/s, or for
/// <see cref="Hcsr04Profile.NoEchoPulse"/> when nothing comes back.
/// </summary>
/// <remarks>
/// <para>
/// The echo runs on real time (<see cref="Stopwatch"/>), not on the <see cref="SimulatedClock"/>: the binding measures
/// the pulse with a Stopwatch while it polls the pin, so the pulse must last as long in real time as it would on the
/// wire. The pin's level is worked out at each read from the instant of the read; no thread drives it. What the ping
/// sees is asked once, at the trigger's falling edge: <c>target.Echo(clock.Elapsed)</c>.
/// </para>
/// <para>
/// Triggers are ignored while a ping is in progress (until its echo falls), as the module's controller does. The
/// trigger pulse is measured from the driver's synchronous <see cref="SimulatedGpioDriver.OutputChanged"/> events.
/// </para>
/// </remarks>
public sealed class SimulatedHcsr04 : IDisposable
{
    /// <summary>The speed of sound the module and the binding both assume (dry air, about 20 °C).</summary>
    public const double SpeedOfSoundMetresPerSecond = 343.0;

    private static readonly long MinimumTriggerTicks = Stopwatch.Frequency / 100_000; // 10 µs

    private readonly SimulatedGpioDriver _driver;
    private readonly int _triggerPin;
    private readonly IRangingTarget _target;
    private readonly SimulatedClock _clock;
    private readonly IDisposable _echoAttachment;
    private readonly Lock _gate = new();

    private Ping? _ping;
    private bool _triggerHigh;
    private long _triggerRoseAt;
    private int _fault;
    private int _pingCount;
    private RangeEcho? _lastEcho;
    private bool _disposed;

    public SimulatedHcsr04(
        SimulatedGpioDriver driver,
        int triggerPin,
        int echoPin,
        IRangingTarget target,
        SimulatedClock clock,
        Hcsr04Profile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(clock);
        if (triggerPin == echoPin)
        {
            throw new ArgumentException("The trigger and echo pins must differ.", nameof(echoPin));
        }

        _driver = driver;
        _triggerPin = triggerPin;
        _target = target;
        _clock = clock;
        Profile = profile ?? Hcsr04Profile.Hcsr04;
        _echoAttachment = driver.AttachInput(echoPin, EchoLevel);
        _driver.OutputChanged += OnOutputChanged;
    }

    public Hcsr04Profile Profile { get; }

    /// <summary>The real-time source, in <see cref="Stopwatch"/> ticks; tests replace it to check the waveform deterministically.</summary>
    internal Func<long> Timestamp { get; set; } = Stopwatch.GetTimestamp;

    /// <summary>The injected fault; clearing <see cref="Hcsr04Fault.EchoStuckHigh"/> is a power cycle (the module is idle again).</summary>
    public Hcsr04Fault Fault
    {
        get => (Hcsr04Fault)Volatile.Read(ref _fault);
        set
        {
            lock (_gate)
            {
                if (value == Hcsr04Fault.None && Fault == Hcsr04Fault.EchoStuckHigh)
                {
                    Volatile.Write(ref _ping, null);
                }

                Volatile.Write(ref _fault, (int)value);
            }
        }
    }

    /// <summary>Pings started (trigger pulses accepted).</summary>
    public int PingCount => Volatile.Read(ref _pingCount);

    /// <summary>What the target answered to the last ping, before the module's blind zone and range are applied.</summary>
    public RangeEcho? LastEcho
    {
        get
        {
            lock (_gate)
            {
                return _lastEcho;
            }
        }
    }

    /// <summary>The echo pulse of the last ping; null before the first ping and when the echo never falls.</summary>
    public TimeSpan? LastEchoPulse
    {
        get
        {
            Ping? ping = Volatile.Read(ref _ping);
            return ping is null || ping.FallAt == long.MaxValue ? null : Stopwatch.GetElapsedTime(ping.RiseAt, ping.FallAt);
        }
    }

    /// <summary>The echo pulse for a target at <paramref name="distanceMm"/>: the round trip of the sound.</summary>
    public static TimeSpan RoundTrip(double distanceMm) => TimeSpan.FromTicks((long)Math.Round(RoundTripSeconds(distanceMm) * TimeSpan.TicksPerSecond));

    private static double RoundTripSeconds(double distanceMm) => 2 * distanceMm / 1000 / SpeedOfSoundMetresPerSecond;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _driver.OutputChanged -= OnOutputChanged;
        _echoAttachment.Dispose();
    }

    /// <summary>
    /// How late the host saw the last echo's edges: the longest of rise → first read that saw it high, that read → the
    /// next read (the binding starts its Stopwatch between them), and fall → first read that saw it low. Null until both
    /// edges were seen. A reading through the binding is off by up to about this much time (343 m/s: 1 µs ≈ 0.17 mm);
    /// long delays mean the reading thread lost its CPU at an edge. Only the simulator can know this.
    /// </summary>
    public TimeSpan? LastEchoSamplingDelay
    {
        get
        {
            Ping? ping = Volatile.Read(ref _ping);
            if (ping is null)
            {
                return null;
            }

            long firstHigh = Volatile.Read(ref ping.FirstHighRead);
            long next = Volatile.Read(ref ping.ReadAfterFirstHigh);
            long firstLow = Volatile.Read(ref ping.FirstLowRead);
            if (firstHigh == 0 || next == 0 || firstLow == 0)
            {
                return null;
            }

            long worst = Math.Max(firstHigh - ping.RiseAt, Math.Max(next - firstHigh, firstLow - ping.FallAt));
            return Stopwatch.GetElapsedTime(0, worst);
        }
    }

    private PinValue EchoLevel()
    {
        Ping? ping = Volatile.Read(ref _ping);
        if (ping is null || Fault == Hcsr04Fault.Disconnected)
        {
            return PinValue.Low;
        }

        long now = Timestamp();
        if (Volatile.Read(ref ping.FirstHighRead) != 0 && now > ping.FirstHighRead)
        {
            Interlocked.CompareExchange(ref ping.ReadAfterFirstHigh, now, 0);
        }

        bool high = now >= ping.RiseAt && now < ping.FallAt;
        if (high)
        {
            Interlocked.CompareExchange(ref ping.FirstHighRead, now, 0);
        }
        else if (now >= ping.FallAt)
        {
            Interlocked.CompareExchange(ref ping.FirstLowRead, now, 0);
        }

        return high ? PinValue.High : PinValue.Low;
    }

    private void OnOutputChanged(int pin, PinValue level)
    {
        if (pin != _triggerPin)
        {
            return;
        }

        long now = Timestamp();
        lock (_gate)
        {
            bool high = level == PinValue.High;
            if (high == _triggerHigh)
            {
                return; // the pin became an output at the level it already had
            }

            _triggerHigh = high;
            if (high)
            {
                _triggerRoseAt = now;
                return;
            }

            if (now - _triggerRoseAt < MinimumTriggerTicks || Fault == Hcsr04Fault.Disconnected)
            {
                return;
            }

            Ping? previous = Volatile.Read(ref _ping);
            if (previous is not null && now < previous.FallAt)
            {
                return; // busy: the previous echo has not fallen yet
            }

            StartPing();
        }
    }

    private void StartPing()
    {
        RangeEcho echo = _target.Echo(_clock.Elapsed);
        _lastEcho = echo;

        // The burst starts when this handler gives the write back to the binding: the simulator's own work (the
        // target, first-call JIT) is not time on the wire.
        long riseAt = Timestamp() + Ticks(Profile.EchoDelay.TotalSeconds);
        long fallAt;
        if (Fault == Hcsr04Fault.EchoStuckHigh)
        {
            fallAt = long.MaxValue;
        }
        else if (echo.Returned && echo.DistanceMm >= Profile.BlindZoneMm && echo.DistanceMm <= Profile.MaximumRangeMm && echo.DistanceMm >= 0)
        {
            fallAt = riseAt + Ticks(RoundTripSeconds(echo.DistanceMm));
        }
        else
        {
            fallAt = riseAt + Ticks(Profile.NoEchoPulse.TotalSeconds);
        }

        Volatile.Write(ref _ping, new Ping(riseAt, fallAt));
        Interlocked.Increment(ref _pingCount);
    }

    private static long Ticks(double seconds) => (long)Math.Round(seconds * Stopwatch.Frequency);

    /// <summary>One ping's echo pulse and when the host first saw its edges, in <see cref="Stopwatch"/> timestamps (0: not yet).</summary>
    private sealed class Ping(long riseAt, long fallAt)
    {
        public long FirstHighRead;
        public long ReadAfterFirstHigh;
        public long FirstLowRead;

        public long RiseAt { get; } = riseAt;

        public long FallAt { get; } = fallAt;
    }
}
