using System.Device.Gpio;
using System.Diagnostics;
using Iot.Device.Hcsr04;
using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Bins;

/// <summary>Which trigger/echo ultrasonic module is wired (both speak the HC-SR04 protocol).</summary>
public enum UltrasonicModule
{
    /// <summary>HC-SR04: open transducers, 20 mm to 4 m (dry bins).</summary>
    Hcsr04,

    /// <summary>JSN-SR04T: one waterproof transducer, 200 mm blind zone (kitchen-waste bins).</summary>
    JsnSr04t,
}

/// <summary>
/// An HC-SR04 or JSN-SR04T read through the real <see cref="Hcsr04"/> binding: one <see cref="Hcsr04.TryGetDistance"/>
/// per reading. Never throws.
/// </summary>
/// <remarks>
/// <para>
/// The binding gives up 100 ms after the call starts (on <see cref="DateTime.Now"/>), and its 60 ms spacing between
/// pings is a sleep loop that doubles the elapsed time, which can use up most of those 100 ms before it triggers. This
/// class therefore spaces its calls itself, at least <see cref="PingSpacing"/> apart on a <see cref="Stopwatch"/>, so the
/// binding never sleeps and a ping always has its whole 100 ms: a call may wait up to 65 ms before it pings, and blocks
/// at most about 165 ms per ping (four pings at most when their timing is disturbed, below).
/// </para>
/// <para>
/// The binding times the echo by polling the pin and a <see cref="Stopwatch"/>: a reading is as good as the thread's
/// hold on its CPU. When the thread is preempted at an echo edge the reading is off by the time it lost (often tens of
/// centimetres) or the ping times out. So each ping runs under a <see cref="PingCpuHold"/> (real-time priority where
/// the process may have it; the thread's context switches counted either way), and a ping during which the thread was
/// switched out is thrown away and repeated, up to <see cref="MaximumPingsPerReading"/> pings; a reading whose every
/// ping was disturbed fails and says so. Callers take several readings and filter them (the bin monitor does). Its
/// timeout runs on local wall-clock time, so a clock stepped back (a DST change, NTP) while a module is disconnected
/// can hold a call for the size of the step: run the gateway with TZ=UTC.
/// </para>
/// <para>
/// The binding reports at most 400 cm (a longer pulse, such as a module's no-echo pulse, is a failed reading), so
/// <see cref="MaximumRange"/> is 4 m for both modules. A reading shorter than <see cref="MinimumRange"/> is refused: the
/// module's datasheet does not vouch for it. A failed ping that kept the binding for its whole 100 ms had no echo pulse
/// at all (disconnected, unpowered, locked up) and says so; one that ended sooner got the module's "nothing came back"
/// pulse. (A thread held off its CPU past the 100 ms can blur the two.)
/// </para>
/// </remarks>
public sealed class Hcsr04FillSensor : IFillDistanceSensor, IDisposable
{
    /// <summary>The binding's own minimum between pings (60 ms, so an echo never mixes with the next trigger) plus a margin.</summary>
    public static readonly TimeSpan PingSpacing = TimeSpan.FromMilliseconds(65);

    /// <summary>
    /// Pings one reading may take when its thread is switched out during them (<see cref="PingCpuHold"/>): a ping whose
    /// timing was disturbed is repeated, never used.
    /// </summary>
    public const int MaximumPingsPerReading = 4;

    private readonly GpioController? _gpio;
    private readonly int _triggerPin;
    private readonly int _echoPin;
    private readonly TryPing? _replay;
    private readonly TimeSpan _pingSpacing = PingSpacing;
    private readonly Func<long> _threadSwitches = PingCpuHold.ThreadSwitches;
    private readonly Lock _gate = new();
    private Hcsr04? _sensor;
    private bool _pinsOpened;
    private long _lastPing;
    private bool _disposed;

    public Hcsr04FillSensor(GpioController gpio, int triggerPin, int echoPin, string id, UltrasonicModule module)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        _gpio = gpio;
        _triggerPin = triggerPin;
        _echoPin = echoPin;
        Id = id;
        Module = module;
        MinimumRange = module == UltrasonicModule.JsnSr04t ? Length.FromMillimeters(200) : Length.FromMillimeters(20);
    }

    /// <summary>
    /// The binding on GPIO with the reading thread's context switches counted by <paramref name="threadSwitches"/>
    /// instead of the kernel, for tests whose verdict must not depend on how busy the machine is.
    /// </summary>
    internal Hcsr04FillSensor(GpioController gpio, int triggerPin, int echoPin, string id, UltrasonicModule module, Func<long> threadSwitches)
        : this(gpio, triggerPin, echoPin, id, module)
    {
        ArgumentNullException.ThrowIfNull(threadSwitches);
        _threadSwitches = threadSwitches;
    }

    /// <summary>
    /// The layer above the binding alone, for tests: <paramref name="ping"/> stands for <see cref="Hcsr04.TryGetDistance"/>
    /// (its results replayed from recorded echo timings), pings <paramref name="pingSpacing"/> apart.
    /// </summary>
    /// <param name="id">The sensor's id in the site file.</param>
    /// <param name="module">Which module answers.</param>
    /// <param name="ping">Stands for the binding's TryGetDistance.</param>
    /// <param name="pingSpacing">The least time between two pings.</param>
    /// <param name="threadSwitches">Stands for <see cref="PingCpuHold.ThreadSwitches"/>: the reading thread's context
    /// switches, counted around each ping.</param>
    internal Hcsr04FillSensor(string id, UltrasonicModule module, TryPing ping, TimeSpan pingSpacing, Func<long>? threadSwitches = null)
    {
        _threadSwitches = threadSwitches ?? (() => 0);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(ping);
        _replay = ping;
        _pingSpacing = pingSpacing;
        _triggerPin = -1;
        _echoPin = -1;
        Id = id;
        Module = module;
        MinimumRange = module == UltrasonicModule.JsnSr04t ? Length.FromMillimeters(200) : Length.FromMillimeters(20);
    }

    /// <summary>The shape of <see cref="Hcsr04.TryGetDistance"/>.</summary>
    internal delegate bool TryPing(out Length distance);

    public string Id { get; }

    public UltrasonicModule Module { get; }

    public Length MinimumRange { get; }

    public Length MaximumRange { get; } = Length.FromMillimeters(4000);

    public bool TryMeasure(out Length distance, out string? failure) => TryMeasure(out distance, out failure, out _);

    /// <inheritdoc/>
    public bool TryMeasure(out Length distance, out string? failure, out bool untimed)
    {
        distance = default;
        untimed = false;
        lock (_gate)
        {
            if (_disposed)
            {
                failure = $"{Name}: closed";
                return false;
            }

            try
            {
                TryPing ping = _replay ?? OpenBinding().TryGetDistance;
                bool answered;
                Length reading;
                TimeSpan took;
                long switches;
                int attempt = 0;
                do
                {
                    attempt++;
                    WaitForPingSpacing();
                    _lastPing = Stopwatch.GetTimestamp();
                    using var hold = PingCpuHold.Begin();
                    long before = _threadSwitches();
                    answered = ping(out reading);
                    took = Stopwatch.GetElapsedTime(_lastPing);
                    switches = _threadSwitches() - before;
                }
                while (switches > 0 && attempt < MaximumPingsPerReading);

                if (switches > 0)
                {
                    // Every ping of this reading lost its CPU: its echo time, or the lack of one, says nothing
                    // about the module (a disconnected one and a missed echo look alike from a preempted thread).
                    untimed = true;
                    failure = Invariant($"{Name}: echo timing disturbed on {attempt} pings running (the reading thread lost its CPU during each; a board this busy needs the gateway's real-time scheduling, LimitRTPRIO in its systemd unit)");
                    return false;
                }

                if (!answered)
                {
                    failure = NoEcho(took);
                    return false;
                }

                if (reading < MinimumRange)
                {
                    failure = Invariant($"{Name}: {reading.Millimeters:0} mm is inside the {MinimumRange.Millimeters:0} mm blind zone");
                    return false;
                }

                distance = reading.ToUnit(UnitsNet.Units.LengthUnit.Millimeter);
                failure = null;
                return true;
            }
            catch (Exception ex)
            {
                // Never throws: a sensor fault must not stop the bin loop. Expected here: pins that cannot be opened
                // (InvalidOperationException, IOException), and ArgumentOutOfRangeException when the binding's pacing
                // sleeps for a negative time because the wall clock stepped back. A fresh binding next time forgets the
                // last ping's wall-clock time (the pins stay open; the binding does not own them).
                _sensor = null;
                failure = $"{Name}: {ex.GetType().Name}: {ex.Message}";
                return false;
            }
        }
    }

    /// <summary>Closes the trigger and echo pins (the binding leaves them open when it does not own the controller).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _sensor?.Dispose();
            _sensor = null;
            if (!_pinsOpened || _gpio is null)
            {
                return;
            }

            foreach (int pin in (int[])[_triggerPin, _echoPin])
            {
                try
                {
                    if (_gpio.IsPinOpen(pin))
                    {
                        _gpio.ClosePin(pin);
                    }
                }
                catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException)
                {
                    // Closing is best effort: the controller may already be gone.
                }
            }
        }
    }

    private string Name => _gpio is null
        ? $"{ModuleName} {Id}"
        : Invariant($"{ModuleName} {Id} (GPIO {_triggerPin}/{_echoPin})");

    private string ModuleName => Module == UltrasonicModule.JsnSr04t ? "JSN-SR04T" : "HC-SR04";

    private Hcsr04 OpenBinding()
    {
        if (_sensor is null)
        {
            _pinsOpened = true; // from the first attempt: the binding may open one pin and fail on the other
            _sensor = new Hcsr04(_gpio, _triggerPin, _echoPin, shouldDispose: false);
        }

        return _sensor;
    }

    /// <summary>
    /// A ping without a reading. A module that answered "nothing came back" did so with its 38 ms (HC-SR04) or 60 ms
    /// (JSN-SR04T) pulse; one that gave no pulse at all kept the binding until its 100 ms timeout.
    /// </summary>
    private string NoEcho(TimeSpan took)
    {
        if (took >= TimeSpan.FromMilliseconds(100))
        {
            return $"{Name}: no echo pulse within the binding's 100 ms (module disconnected, unpowered or locked up)";
        }

        return Module == UltrasonicModule.JsnSr04t
            ? Invariant($"{Name}: no echo (nothing within range, a soft target, or a target inside the {MinimumRange.Millimeters:0} mm blind zone)")
            : $"{Name}: no echo (nothing within range or a soft target)";
    }

    private void WaitForPingSpacing()
    {
        if (_lastPing == 0)
        {
            return;
        }

        TimeSpan wait = _pingSpacing - Stopwatch.GetElapsedTime(_lastPing);
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }
}
