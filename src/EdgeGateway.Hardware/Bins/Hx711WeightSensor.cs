using System.Device.Gpio;
using System.Diagnostics;
using Iot.Device.Hx711;
using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Bins;

/// <summary>
/// A bin's load cell on an HX711 (channel A, gain 128), read through the real <see cref="Hx711"/> binding. Never throws,
/// and a call never blocks longer than <see cref="Timeout"/> (plus at most 0.1 s to stop a stuck read), even when the
/// amplifier is gone; calls on one sensor take turns.
/// </summary>
/// <remarks>
/// <para>
/// The binding waits for DOUT to fall with no time limit, holding its lock, so a missing amplifier (DOUT high) would
/// hang the caller forever. This class first waits for DOUT low itself, sleeping between looks; then runs the binding's
/// read on a worker thread and waits for it at most until the deadline. A read still running then is stopped by
/// closing the pins (the binding's next pin access throws on its own thread), and the binding is opened afresh on the
/// next call.
/// </para>
/// <para>
/// Scaling and tare are done here, in counts: the binding is given a conversion ratio of 1 count per gram, so
/// <see cref="Hx711.GetWeight"/> returns the median of three raw codes. The binding's own <see cref="Hx711.PowerUp"/>
/// (which zeroes on whatever is on the cell, and reads 30 samples) and <see cref="Hx711.Tare"/> (which subtracts the
/// previous tare, so a second call undoes the first) are not used. Kilograms = (median code − zero) / counts per kg. A
/// code at either end of the 24-bit range is a saturated amplifier (overload or a broken bridge wire), not a weight.
/// </para>
/// </remarks>
public sealed class Hx711WeightSensor : IBinWeightSensor, IDisposable
{
    /// <summary>Readings per measurement (the binding's median of three: one spike is ignored).</summary>
    public const int ReadsPerMeasurement = 3;

    /// <summary>Readings per tare (the binding's mean of the middle three of five).</summary>
    public const int ReadsPerTare = 5;

    private const int MaxCode = 0x7FFFFF;
    private const int MinCode = -0x800000;

    private readonly GpioController _gpio;
    private readonly int _dataPin;
    private readonly int _clockPin;
    private readonly double _countsPerKg;
    private readonly Lock _gate = new();
    private Hx711? _amplifier;
    private double? _zeroCounts;
    private bool _disposed;

    /// <param name="gpio">The controller both pins are on.</param>
    /// <param name="dataPin">DOUT.</param>
    /// <param name="clockPin">PD_SCK.</param>
    /// <param name="countsPerKg">The scale factor (counts per kilogram at gain 128; negative when the cell is wired the other way round).</param>
    /// <param name="zeroCounts">The code of the empty bin, when known (kept from an earlier tare). Null: the first
    /// measurement tares, i.e. the bin is taken to be empty when the gateway starts; <see cref="TryTare"/> re-zeroes.</param>
    /// <param name="timeout">The longest a call may block (default 1 s, enough for five samples at 10 SPS).</param>
    public Hx711WeightSensor(GpioController gpio, int dataPin, int clockPin, double countsPerKg, double? zeroCounts = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        if (countsPerKg == 0 || !double.IsFinite(countsPerKg))
        {
            throw new ArgumentOutOfRangeException(nameof(countsPerKg), countsPerKg, "The scale factor must be finite and not zero.");
        }

        _gpio = gpio;
        _dataPin = dataPin;
        _clockPin = clockPin;
        _countsPerKg = countsPerKg;
        _zeroCounts = zeroCounts;
        Timeout = timeout ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(timeout));
    }

    /// <summary>The longest <see cref="TryMeasure"/> or <see cref="TryTare"/> waits for the amplifier.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The code of the empty bin; null until the first tare. Keep it to restore the tare after a restart.</summary>
    public double? ZeroCounts
    {
        get
        {
            lock (_gate)
            {
                return _zeroCounts;
            }
        }
    }

    public bool TryMeasure(out Mass mass, out string? failure)
    {
        mass = default;
        lock (_gate)
        {
            bool taring = _zeroCounts is null;
            if (!TryReadCounts(taring ? ReadsPerTare : ReadsPerMeasurement, out int counts, out failure))
            {
                return false;
            }

            _zeroCounts ??= counts;
            mass = Mass.FromKilograms((counts - _zeroCounts.Value) / _countsPerKg);
            return true;
        }
    }

    /// <summary>Takes what is on the cell now as zero (the bin has just been emptied).</summary>
    public bool TryTare(out string? failure)
    {
        lock (_gate)
        {
            if (!TryReadCounts(ReadsPerTare, out int counts, out failure))
            {
                return false;
            }

            _zeroCounts = counts;
            return true;
        }
    }

    /// <summary>Closes the data and clock pins.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            CloseAmplifier();
        }
    }

    private string Name => Invariant($"HX711 (GPIO {_dataPin}/{_clockPin})");

    private bool TryReadCounts(int reads, out int counts, out string? failure)
    {
        counts = 0;
        if (_disposed)
        {
            failure = $"{Name}: closed";
            return false;
        }

        long start = Stopwatch.GetTimestamp();
        try
        {
            if (_amplifier is null)
            {
                _amplifier = new Hx711(_dataPin, _clockPin, new Hx711Options(Hx711Mode.ChannelAGain128, useByteLittleEndian: false), _gpio, shouldDispose: false);
                _amplifier.SetConversionRatio(1.0); // GetWeight then returns codes as "grams"
            }

            // PD_SCK low keeps the chip powered; then wait for a result without entering the binding's endless wait.
            _gpio.Write(_clockPin, PinValue.Low);
            while (_gpio.Read(_dataPin) == PinValue.High)
            {
                if (Stopwatch.GetElapsedTime(start) >= Timeout)
                {
                    failure = Invariant($"{Name}: no result for {Timeout.TotalMilliseconds:0} ms (DOUT stays high: amplifier unpowered or disconnected)");
                    return false;
                }

                Thread.Sleep(1);
            }
        }
        catch (Exception ex)
        {
            // Never throws: pins that cannot be opened or read (InvalidOperationException, IOException) are a failed reading.
            failure = $"{Name}: {ex.GetType().Name}: {ex.Message}";
            CloseAmplifier();
            return false;
        }

        Hx711 amplifier = _amplifier;
        int result = 0;
        Exception? error = null;
        var worker = new Thread(() =>
        {
            try
            {
                // The binding bit-bangs PD_SCK: held high for more than 60 µs it powers the HX711 down (datasheet,
                // "Power down control") and the read never ends. Real-time priority where the process may have it keeps
                // a busy CPU from switching this thread out mid-pulse.
                using var hold = PingCpuHold.Begin();
                result = (int)Math.Round(amplifier.GetWeight(reads).Grams);
            }
            catch (Exception ex)
            {
                // Every exception: one escaping a thread ends the process. This includes the pin closed under a read
                // that ran past the deadline.
                error = ex;
            }
        })
        {
            IsBackground = true,
            Name = "hx711-read",
        };
        worker.Start();
        TimeSpan left = Timeout - Stopwatch.GetElapsedTime(start);
        if (!worker.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
        {
            CloseAmplifier(); // the binding's next pin access throws on the worker, which then ends
            worker.Join(TimeSpan.FromMilliseconds(100));
            failure = Invariant($"{Name}: reading not finished after {Timeout.TotalMilliseconds:0} ms (DOUT stuck high mid-read: amplifier lost)");
            return false;
        }

        if (error is not null)
        {
            failure = $"{Name}: {error.GetType().Name}: {error.Message}";
            CloseAmplifier();
            return false;
        }

        if (result is >= MaxCode or <= MinCode)
        {
            failure = Invariant($"{Name}: amplifier saturated (code {result}): overload or a broken load-cell wire");
            return false;
        }

        counts = result;
        failure = null;
        return true;
    }

    private void CloseAmplifier()
    {
        if (_amplifier is null)
        {
            return;
        }

        try
        {
            _amplifier.Dispose(); // not owning the controller, the binding closes its two pins
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            // A pin already closed, or the controller gone: nothing more to release.
        }

        _amplifier = null;
    }
}
