using System.Device.Gpio;
using System.Diagnostics;
using EdgeGateway.Hardware.Simulation.Gpio;

namespace EdgeGateway.Hardware.Simulation.Hx711;

/// <summary>
/// An Avia HX711 24-bit load-cell ADC on two pins of a <see cref="SimulatedGpioDriver"/>, simulated at its serial
/// interface: DOUT (an input of the Pi, read through <see cref="SimulatedGpioDriver.AttachInput"/>) and PD_SCK (an
/// output of the Pi, watched through <see cref="SimulatedGpioDriver.OutputChanged"/>).
/// </summary>
/// <remarks>
/// <para>
/// Datasheet behaviour: DOUT is high while no conversion is ready and falls when one is. Each rising edge of PD_SCK
/// then shifts out one bit of the 24-bit two's-complement result, MSB first (DOUT is stable by the time the host
/// lowers PD_SCK and reads). The 25th pulse pulls DOUT high again; 25, 26 or 27 pulses in all select channel A
/// gain 128, channel B gain 32 or channel A gain 64 for the next conversion. PD_SCK held high for more than 60 µs
/// powers the chip down; taking it low again powers it up and resets it to channel A, gain 128. After power-up, reset
/// and a change of input or gain the first result is ready after the settling time (4 conversion periods: 50 ms at
/// 80 SPS, 400 ms at 10 SPS); then results come every period, on a free-running grid.
/// </para>
/// <para>
/// Timing is real time (<see cref="Stopwatch"/>): the binding bit-bangs the pins and busy-waits for DOUT on real time,
/// and the 60 µs power-down is a real-time property of the pin. The value is taken from the load cell at the
/// <see cref="SimulatedClock"/>'s time when the host starts reading the result (the first PD_SCK pulse), which is
/// within one conversion period (real time) of the conversion: counts = (zero + kg × counts per kg) × gain / 128 +
/// Gaussian noise, saturated at 0x800000 (−8 388 608) and 0x7FFFFF (8 388 607).
/// </para>
/// <para>
/// PD_SCK may stay low for any time in the middle of a read (the datasheet gives no maximum low time): the read goes on
/// where it stopped. Not in the datasheet, chosen here: pulses while no result is ready are ignored (apart from
/// power-down), and so are pulses beyond the 27th.
/// </para>
/// </remarks>
public sealed class SimulatedHx711 : IDisposable
{
    private const int MaxCode = 0x7FFFFF;
    private const int MinCode = -0x800000;
    private const int SettlingPeriods = 4;

    private static readonly long PowerDownTicks = (long)Math.Ceiling(Stopwatch.Frequency * 60e-6);

    private readonly SimulatedGpioDriver _driver;
    private readonly int _clockPin;
    private readonly ILoadCellInput _channelA;
    private readonly SimulatedClock _clock;
    private readonly SimulatedHx711Options _options;
    private readonly IDisposable _doutAttachment;
    private readonly Random _random;
    private readonly double _noiseCounts;
    private readonly long _periodTicks;
    private readonly Lock _gate = new();

    private Func<long> _timestamp = Stopwatch.GetTimestamp;
    private bool _disconnected;
    private bool _poweredDown;
    private bool _sckHigh;
    private long _sckRoseAt;
    private int _pulses;
    private int _result;
    private Hx711InputSelection _selection = Hx711InputSelection.ChannelAGain128;
    private Hx711InputSelection _resultSelection = Hx711InputSelection.ChannelAGain128;
    private long _gridStart;
    private long _nextReadyAt;
    private int _resultsRead;
    private int _powerDowns;
    private bool _disposed;

    public SimulatedHx711(
        SimulatedGpioDriver driver,
        int dataPin,
        int clockPin,
        ILoadCellInput channelA,
        SimulatedClock clock,
        SimulatedHx711Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(channelA);
        ArgumentNullException.ThrowIfNull(clock);
        if (dataPin == clockPin)
        {
            throw new ArgumentException("DOUT and PD_SCK must be different pins.", nameof(clockPin));
        }

        _options = options ?? new SimulatedHx711Options();
        if (_options.SamplesPerSecond is not (10 or 80))
        {
            throw new ArgumentException("The HX711's RATE pin gives 10 or 80 samples per second.", nameof(options));
        }

        _driver = driver;
        _clockPin = clockPin;
        _channelA = channelA;
        _clock = clock;
        _random = new Random(_options.Seed);
        _noiseCounts = _options.NoiseCounts ?? (_options.SamplesPerSecond == 80 ? 39 : 21);
        _periodTicks = Stopwatch.Frequency / _options.SamplesPerSecond;
        Reset(_timestamp());
        _doutAttachment = driver.AttachInput(dataPin, DoutLevel);
        _driver.OutputChanged += OnOutputChanged;
    }

    /// <summary>The real-time source, in <see cref="Stopwatch"/> ticks; tests replace it to check the protocol deterministically.</summary>
    internal Func<long> Timestamp
    {
        get => _timestamp;
        set
        {
            lock (_gate)
            {
                _timestamp = value;
                Reset(value()); // a new time line: power-on afresh
            }
        }
    }

    /// <summary>One conversion period (12.5 ms at 80 SPS, 100 ms at 10 SPS).</summary>
    public TimeSpan ConversionPeriod => TimeSpan.FromSeconds(1.0 / _options.SamplesPerSecond);

    /// <summary>Power-up, reset or change of input to first valid result: 4 conversion periods.</summary>
    public TimeSpan SettlingTime => ConversionPeriod * SettlingPeriods;

    /// <summary>
    /// The module is gone (unpowered, or DOUT and PD_SCK cut with DOUT pulled up): DOUT reads high, pulses do nothing.
    /// Reconnecting powers it up afresh (reset, settling time).
    /// </summary>
    public bool Disconnected
    {
        get
        {
            lock (_gate)
            {
                return _disconnected;
            }
        }
        set
        {
            lock (_gate)
            {
                if (_disconnected && !value)
                {
                    Reset(_timestamp());
                }

                _disconnected = value;
            }
        }
    }

    /// <summary>Whether PD_SCK has been high for more than 60 µs (and not low since).</summary>
    public bool IsPoweredDown
    {
        get
        {
            lock (_gate)
            {
                Settle(_timestamp());
                return _poweredDown;
            }
        }
    }

    /// <summary>The input and gain of the next conversion.</summary>
    public Hx711InputSelection Selection
    {
        get
        {
            lock (_gate)
            {
                return _selection;
            }
        }
    }

    /// <summary>The input and gain of the last result read out.</summary>
    public Hx711InputSelection LastResultSelection
    {
        get
        {
            lock (_gate)
            {
                return _resultSelection;
            }
        }
    }

    /// <summary>Results whose 24 bits were clocked out.</summary>
    public int ResultsRead
    {
        get
        {
            lock (_gate)
            {
                return _resultsRead;
            }
        }
    }

    /// <summary>Times the chip powered down.</summary>
    public int PowerDowns
    {
        get
        {
            lock (_gate)
            {
                return _powerDowns;
            }
        }
    }

    /// <summary>The code the chip would give for <paramref name="kilograms"/> on channel A at gain 128, without noise or saturation.</summary>
    public double ExpectedCounts(double kilograms) => _options.ZeroOffsetCounts + (kilograms * _options.CountsPerKg);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _driver.OutputChanged -= OnOutputChanged;
        _doutAttachment.Dispose();
    }

    private PinValue DoutLevel()
    {
        long now = _timestamp();
        lock (_gate)
        {
            Settle(now);
            if (_disconnected || _poweredDown)
            {
                return PinValue.High;
            }

            if (_pulses is > 0 and <= 24)
            {
                return ((_result >> (24 - _pulses)) & 1) == 1 ? PinValue.High : PinValue.Low;
            }

            return now >= _nextReadyAt ? PinValue.Low : PinValue.High;
        }
    }

    private void OnOutputChanged(int pin, PinValue level)
    {
        if (pin != _clockPin)
        {
            return;
        }

        long now = _timestamp();
        lock (_gate)
        {
            bool high = level == PinValue.High;
            if (high == _sckHigh)
            {
                return;
            }

            Settle(now);
            _sckHigh = high;
            if (high)
            {
                if (!_disconnected && !_poweredDown)
                {
                    Pulse(now);
                }

                // The high time counts from when this handler gives the write back to the host: the simulator's own
                // work (the first result's conversion, first-call JIT) is not time on the wire.
                _sckRoseAt = _timestamp();
            }
            else if (_poweredDown)
            {
                _poweredDown = false;
                if (!_disconnected)
                {
                    Reset(now); // power-up: channel A, gain 128, settling
                }
            }
        }
    }

    /// <summary>Brings the lazily-timed state up to <paramref name="now"/>: a clock held high powers the chip down.</summary>
    private void Settle(long now)
    {
        if (_sckHigh && !_poweredDown && now - _sckRoseAt > PowerDownTicks)
        {
            _poweredDown = true;
            _powerDowns++;
            _pulses = 0;
        }
    }

    private void Pulse(long now)
    {
        bool idle = _pulses == 0 || _pulses >= 25;
        if (idle && now >= _nextReadyAt)
        {
            // A result is ready (DOUT low): this pulse starts reading it out.
            _resultSelection = _selection;
            _result = Convert(_selection) & 0xFFFFFF;
            _pulses = 1;
        }
        else if (_pulses is > 0 and < 24)
        {
            _pulses++;
        }
        else if (_pulses == 24)
        {
            _pulses = 25;
            _resultsRead++;
            Select(Hx711InputSelection.ChannelAGain128, now);
        }
        else if (_pulses is 25 or 26)
        {
            _pulses++;
            Select((Hx711InputSelection)(_pulses - 24), now);
        }

        // Otherwise: no result ready, or past the 27th pulse: ignored.
    }

    private void Select(Hx711InputSelection selection, long now)
    {
        _selection = selection;
        if (selection == _resultSelection)
        {
            _nextReadyAt = NextGridPoint(now);
        }
        else
        {
            _gridStart = now + (SettlingPeriods * _periodTicks); // a new input or gain: the filter settles again
            _nextReadyAt = _gridStart;
        }
    }

    private void Reset(long now)
    {
        _pulses = 0;
        _selection = Hx711InputSelection.ChannelAGain128;
        _resultSelection = Hx711InputSelection.ChannelAGain128;
        _gridStart = now + (SettlingPeriods * _periodTicks);
        _nextReadyAt = _gridStart;
    }

    private long NextGridPoint(long now) =>
        now < _gridStart ? _gridStart : _gridStart + ((((now - _gridStart) / _periodTicks) + 1) * _periodTicks);

    private int Convert(Hx711InputSelection selection)
    {
        TimeSpan at = _clock.Elapsed;
        double counts = selection switch
        {
            Hx711InputSelection.ChannelBGain32 =>
                (_options.ChannelBZeroOffsetCounts + ((_options.ChannelB?.Kilograms(at) ?? 0) * _options.ChannelBCountsPerKg)) * 32 / 128,
            Hx711InputSelection.ChannelAGain64 => ExpectedCounts(_channelA.Kilograms(at)) * 64 / 128,
            _ => ExpectedCounts(_channelA.Kilograms(at)),
        };
        counts += _noiseCounts * Gaussian();
        return double.IsNaN(counts) ? 0 : (int)Math.Clamp(Math.Round(counts), MinCode, MaxCode);
    }

    private double Gaussian()
    {
        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
