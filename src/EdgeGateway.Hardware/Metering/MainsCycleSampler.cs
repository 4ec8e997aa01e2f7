using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Metering;

/// <summary>
/// Samples the shed's voltage transformer and one port's current transformer in alternation, back to
/// back, over whole mains cycles, and computes true RMS voltage and current, real power, apparent power
/// and power factor — the method of open energy monitors (emonLib's calcVI): integrate v·i over an
/// integral number of cycles found from the voltage's zero crossings, so no window error remains.
/// </summary>
/// <remarks>
/// <para>The samples run v0, i0, v1, i1, …: each current sample is taken halfway between two voltage
/// samples, so the voltage is interpolated to the current's instant before multiplying (the part of
/// emonLib's PHASECAL that corrects for sequential sampling). DC offsets (the mid-supply bias of the
/// CT and VT inputs) are the means over the same whole cycles.</para>
/// <para>Every sample carries the monotonic time it was taken at; the waveform between two samples of a channel is the
/// straight line joining them, weighted by the time it spans, and the voltage at each current sample is interpolated
/// by time. So a pause between two pairs — a read of another bus at a zero crossing (<see cref="AtHalfCycle"/>), or the
/// sampling thread descheduled on a busy Pi — neither drops that stretch of the waveform from the means nor shifts the
/// voltage the current is multiplied with. With evenly spaced pairs the sums are emonLib's. (Without a working
/// voltage transformer the current-only estimate stays a plain mean over samples.)</para>
/// <para>One instance per shed, used only from the sampling thread; it owns the sample buffers, so a
/// measurement allocates nothing.</para>
/// </remarks>
public sealed class MainsCycleSampler
{
    // A cycle sampled at fewer points than this cannot resolve a charger's current pulse.
    private const int MinimumSamplesPerCycle = 24;

    private readonly AdcInput _voltage;
    private readonly double _voltsPerAdcVolt;
    private readonly double _nominalVoltage;
    private readonly int _cycles;
    private readonly int[] _v;
    private readonly int[] _i;

    // When each voltage and each current sample was taken (TimeProvider timestamps).
    private readonly long[] _tv;
    private readonly long[] _ti;
    private readonly TimeProvider _time;
    private double _voltageOffset;
    private int _pairBudget;

    // How far the voltage moves between two sample pairs near a zero crossing, in codes (0 until a good measurement).
    private double _crossingStepCodes;

    /// <summary>A sampler on the shed's voltage transformer; <paramref name="time"/> is the monotonic clock samples are
    /// stamped with (the shed's clock in simulation, where a bus transfer advances it by its time on the wire).</summary>
    public MainsCycleSampler(AdcInput voltage, double voltsPerAdcVolt, double nominalVoltage, int cyclesPerMeasurement, TimeProvider time, int maxSamplePairs = 8192)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cyclesPerMeasurement, 1);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _tv = new long[maxSamplePairs];
        _ti = new long[maxSamplePairs];
        _voltage = voltage;
        _voltsPerAdcVolt = voltsPerAdcVolt;
        _nominalVoltage = nominalVoltage;
        _cycles = cyclesPerMeasurement;
        _v = new int[maxSamplePairs];
        _i = new int[maxSamplePairs];
        _voltageOffset = voltage.MidScaleCode;
        _pairBudget = maxSamplePairs;
    }

    /// <summary>Empty while the voltage transformer reads sensibly; otherwise what is wrong with it.</summary>
    public string? VoltageFault { get; private set; }

    /// <summary>Sample pairs per mains cycle in the last good measurement (the achieved sample rate).</summary>
    public double SamplesPerCycle { get; private set; }

    /// <summary>The fault-current scan interleaved between this sampler's pairs (every other AC port's CT, all the time), if any.</summary>
    public FaultCurrentScan? Scan { get; set; }

    /// <summary>
    /// Called on the sampling thread about every half mains cycle of a measurement, at a zero crossing of the voltage: when
    /// the measurement's window begins and at every crossing after that but the one that ends the window (the next port's
    /// window begins there, without a pause); and while a measurement waits for its first rising crossing, once as the
    /// wait begins and at the falling crossing. What it reads (the DC ports' shunts on I2C) takes the time it takes; the
    /// samples' timestamps keep the measurement whole.
    /// </summary>
    public Action? AtHalfCycle { get; set; }

    /// <summary>Measures one port. Never throws: bus errors and implausible readings become faults.</summary>
    internal MeterReading Measure(AcPortMeter port, double shortCircuitPeakAmps)
    {
        AdcInput current = port.Current;
        double ampsPerCode = current.VoltsPerCode * port.AmpsPerAdcVolt;
        double shortCircuitCodes = shortCircuitPeakAmps / ampsPerCode;
        int count = 0;
        int firstCrossing = -1;
        int lastCrossing = -1;
        int crossings = 0;
        bool voltageReadable = true;

        // A crossing counts only after the voltage has been clearly negative: noise on a dead VT
        // input, which hovers at its bias, then never looks like a mains cycle.
        bool armed = false;

        // The falling crossing (positive half-cycle seen, then below the bias) calls AtHalfCycle once per cycle.
        bool highArmed = false;
        Action? atHalfCycle = AtHalfCycle;
        double hysteresis = _voltage.MidScaleCode * 0.05;
        var fault = new FaultCurrentWatch(shortCircuitCodes, current.MidScaleCode * 2 * FaultCurrentWatch.MovingShareOfFullScale);

        try
        {
            for (; count < _pairBudget; count++)
            {
                _tv[count] = _time.GetTimestamp();
                int v = voltageReadable ? ReadVoltage(ref voltageReadable) : 0;
                _ti[count] = _time.GetTimestamp();
                int i = current.Read();
                _v[count] = v;
                _i[count] = i;

                // The short-circuit decision is taken here, on the samples that see it.
                if (fault.IsShortCircuit(i, i - port.CurrentOffset))
                {
                    return MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(Math.Abs(i - port.CurrentOffset) * ampsPerCode));
                }

                // Every other port is watched between this port's pairs.
                Scan?.SampleNext(port);

                if (!voltageReadable)
                {
                    continue;
                }

                double centred = v - _voltageOffset;
                bool chained = count == 1 && StartsJustAfterRisingCrossing(_v[0] - _voltageOffset, centred);
                if (count == 1 && !chained)
                {
                    // Not where the port before ended: this measurement waits for a crossing, so a read now costs it
                    // nothing, and whatever came between (a DC port's own measurement) is not added to the wait.
                    atHalfCycle?.Invoke();
                }

                if (chained)
                {
                    // The previous port's measurement ended on a rising crossing a pair or two ago (every port shares
                    // the shed's voltage transformer): integrate from the first pair instead of waiting a cycle for the next.
                    crossings = 1;
                    firstCrossing = 0;
                    armed = false;
                    atHalfCycle?.Invoke();
                }
                else if (centred < -hysteresis)
                {
                    armed = true;
                    if (highArmed)
                    {
                        highArmed = false;
                        atHalfCycle?.Invoke();
                    }
                }
                else if (armed && centred >= 0)
                {
                    armed = false;
                    crossings++;
                    if (firstCrossing < 0)
                    {
                        firstCrossing = count;
                    }
                    else if (crossings == _cycles + 1)
                    {
                        lastCrossing = count;
                        break;
                    }

                    atHalfCycle?.Invoke();
                }
                else if (centred > hysteresis)
                {
                    highArmed = true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return MeterReading.Failed($"{current}: {ex.Message}");
        }

        if (lastCrossing > firstCrossing && firstCrossing >= 0 && (lastCrossing - firstCrossing) / (double)_cycles >= MinimumSamplesPerCycle)
        {
            return Integrate(port, firstCrossing, lastCrossing, ampsPerCode);
        }

        // No whole cycles: the voltage transformer (or its ADC) failed. Keep protecting on current alone.
        VoltageFault ??= voltageReadable
            ? $"voltage transformer {_voltage}: no mains zero crossings in {count} samples"
            : $"voltage transformer {_voltage}: ADC not answering";
        return IntegrateCurrentOnly(port, count, ampsPerCode);
    }

    /// <summary>
    /// Whether the first pair was taken just after a rising zero crossing: at or above the bias by no more than the
    /// voltage moves in a few pairs there, and rising. A window that starts there ends on the first pair past the
    /// crossing a cycle later, as a window started on a found crossing does; the pair or two it may differ by lie where
    /// the voltage is near zero, so they carry almost nothing of v·i or v².
    /// </summary>
    private bool StartsJustAfterRisingCrossing(double first, double second) =>
        _crossingStepCodes > 0 && first >= 0 && first <= 2.5 * _crossingStepCodes && second > first;

    private int ReadVoltage(ref bool readable)
    {
        try
        {
            return _voltage.Read();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            readable = false;
            return 0;
        }
    }

    private MeterReading Integrate(AcPortMeter port, int start, int end, double ampsPerCode)
    {
        int n = end - start;

        // The waveform between two samples of a channel is taken as the straight line joining them, and each line
        // weighted by the time it spans (v[end] and i[end] were read: they close the window). With evenly spaced pairs
        // that is emonLib's sum over samples to within (2π / samples per cycle)² / 6, 10⁻⁴ at 250 pairs a cycle; across a
        // pause near a zero crossing the line is where the waveform is.
        double spanV = _tv[end] - _tv[start];
        double spanI = _ti[end] - _ti[start];

        // A clock that did not move (a monotonic one always does): every sample the same weight.
        bool timed = spanV > 0 && spanI > 0;
        if (!timed)
        {
            spanV = spanI = n;
        }

        double sumV = 0, sumI = 0;
        int minI = int.MaxValue, maxI = int.MinValue, minV = int.MaxValue, maxV = int.MinValue;
        for (int k = start; k < end; k++)
        {
            sumV += (_v[k] + _v[k + 1]) * 0.5 * VoltageSpan(k, timed);
            sumI += (_i[k] + _i[k + 1]) * 0.5 * CurrentSpan(k, timed);
            minI = Math.Min(minI, _i[k]);
            maxI = Math.Max(maxI, _i[k]);
            minV = Math.Min(minV, _v[k]);
            maxV = Math.Max(maxV, _v[k]);
        }

        double meanV = sumV / spanV;
        double meanI = sumI / spanI;

        string? fault = CheckChannel(port.Current, meanI, minI, maxI, "current transformer");
        if (fault is not null)
        {
            return MeterReading.Failed(fault);
        }

        string? voltageFault = CheckChannel(_voltage, meanV, minV, maxV, "voltage transformer");
        if (voltageFault is not null)
        {
            VoltageFault = voltageFault;
            return IntegrateCurrentOnly(port, end, ampsPerCode);
        }

        double sumVV = 0, sumII = 0, sumVI = 0, sumVAtIVAtI = 0, peak = 0;
        double vAtIHere = VoltageAtCurrentSample(start, end, timed) - meanV;
        for (int k = start; k < end; k++)
        {
            // ∫ x² over a straight line from a to b is (a² + ab + b²)/3 of its span; ∫ x·y over two is (2ac + ad + bc + 2bd)/6.
            double v0 = _v[k] - meanV, v1 = _v[k + 1] - meanV;
            double i0 = _i[k] - meanI, i1 = _i[k + 1] - meanI;
            double vAtINext = VoltageAtCurrentSample(k + 1, end, timed) - meanV;
            double dv = VoltageSpan(k, timed);
            double di = CurrentSpan(k, timed);
            sumVV += ((v0 * v0) + (v0 * v1) + (v1 * v1)) / 3 * dv;
            sumII += ((i0 * i0) + (i0 * i1) + (i1 * i1)) / 3 * di;
            sumVI += ((2 * vAtIHere * i0) + (vAtIHere * i1) + (vAtINext * i0) + (2 * vAtINext * i1)) / 6 * di;
            sumVAtIVAtI += ((vAtIHere * vAtIHere) + (vAtIHere * vAtINext) + (vAtINext * vAtINext)) / 3 * di;
            peak = Math.Max(peak, Math.Abs(i0));
            vAtIHere = vAtINext;
        }

        double meanVV = sumVV / spanV;
        double meanII = sumII / spanI;
        double meanVI = sumVI / spanI;
        _voltageOffset = meanV;
        port.CurrentOffset = meanI;
        port.LastCurrentRmsAmps = Math.Sqrt(meanII) * ampsPerCode;
        VoltageFault = null;
        SamplesPerCycle = n / (double)_cycles;

        // Near a crossing the voltage moves by its amplitude × 2π per cycle (√2 × RMS for a sine; a flat-topped one is a little steeper).
        _crossingStepCodes = Math.Sqrt(2 * meanVV) * 2 * Math.PI / SamplesPerCycle;

        // Two and a half cycles of samples is enough to find whole cycles from any starting phase.
        _pairBudget = Math.Min(_v.Length, (int)Math.Ceiling(SamplesPerCycle * (_cycles + 2.5)));

        double voltsPerCode = _voltage.VoltsPerCode * _voltsPerAdcVolt;
        double vrms = Math.Sqrt(meanVV) * voltsPerCode;
        double irms = Math.Sqrt(meanII) * ampsPerCode;
        double realPower = meanVI * voltsPerCode * ampsPerCode;
        double apparentPower = vrms * irms;

        // Below a few ADC codes of current the ratio is noise over noise.
        double? powerFactor = irms > 4 * ampsPerCode && apparentPower > 0 ? Math.Clamp(realPower / apparentPower, -1, 1) : null;

        // The residual of the least-squares fit i ≈ k·v at the current's instants, in closed form:
        // Σ (i − k·v)² = Σ i² − (Σ v·i)² / Σ v·v for k = Σ v·i / Σ v·v (each sum weighted as above).
        double? shapeResidual = powerFactor is not null && sumVAtIVAtI > 0
            ? Math.Sqrt(Math.Max(0, 1 - (sumVI * sumVI / (sumVAtIVAtI * sumII))))
            : null;

        return MeterReading.Ok(new PortMeasurement(
            ElectricPotential.FromVolts(vrms),
            ElectricCurrent.FromAmperes(irms),
            Power.FromWatts(realPower),
            Power.FromWatts(apparentPower),
            powerFactor,
            ElectricCurrent.FromAmperes(peak * ampsPerCode),
            VoltageEstimated: false) { ShapeResidual = shapeResidual });
    }

    private double VoltageSpan(int k, bool timed) => timed ? _tv[k + 1] - _tv[k] : 1;

    private double CurrentSpan(int k, bool timed) => timed ? _ti[k + 1] - _ti[k] : 1;

    /// <summary>
    /// The voltage at the instant i[k] was taken, on the straight line through v[k] and v[k+1] (halfway when the pairs are
    /// evenly spaced and untimed); for the window's closing pair, on the line through v[k-1] and v[k] carried on.
    /// </summary>
    private double VoltageAtCurrentSample(int k, int end, bool timed)
    {
        int from = k < end ? k : k - 1;
        double pair = _tv[from + 1] - _tv[from];
        double at = timed && pair > 0 ? (_ti[k] - _tv[from]) / pair : (k < end ? 0.5 : 1.5);
        return _v[from] + ((_v[from + 1] - _v[from]) * at);
    }

    private MeterReading IntegrateCurrentOnly(AcPortMeter port, int count, double ampsPerCode)
    {
        if (count < MinimumSamplesPerCycle)
        {
            return MeterReading.Failed($"{port.Current}: too few samples ({count})");
        }

        double sum = 0;
        int min = int.MaxValue, max = int.MinValue;
        for (int k = 0; k < count; k++)
        {
            sum += _i[k];
            min = Math.Min(min, _i[k]);
            max = Math.Max(max, _i[k]);
        }

        double mean = sum / count;
        string? fault = CheckChannel(port.Current, mean, min, max, "current transformer");
        if (fault is not null)
        {
            return MeterReading.Failed(fault);
        }

        double sumII = 0, peak = 0;
        for (int k = 0; k < count; k++)
        {
            double i = _i[k] - mean;
            sumII += i * i;
            peak = Math.Max(peak, Math.Abs(i));
        }

        port.CurrentOffset = mean;
        double irms = Math.Sqrt(sumII / count) * ampsPerCode;
        port.LastCurrentRmsAmps = irms;

        // Without a voltage the real power is unknown; the apparent power at nominal voltage bounds it
        // from above, so overload protection stays on the safe side.
        double apparent = irms * _nominalVoltage;
        return MeterReading.Ok(new PortMeasurement(
            ElectricPotential.FromVolts(_nominalVoltage),
            ElectricCurrent.FromAmperes(irms),
            Power.FromWatts(apparent),
            Power.FromWatts(apparent),
            null,
            ElectricCurrent.FromAmperes(peak * ampsPerCode),
            VoltageEstimated: true));
    }

    /// <summary>
    /// A CT or VT input is biased at mid-supply and always carries a little noise. A mean far from
    /// mid-supply means an open burden, a broken bias divider or a dead ADC; a channel that returns
    /// one code for a whole cycle is stuck — a live analog input never does.
    /// </summary>
    private static string? CheckChannel(AdcInput input, double mean, int min, int max, string what)
    {
        if (min == max)
        {
            return $"{what} {input}: stuck at code {min}";
        }

        double offsetShare = Math.Abs(mean - input.MidScaleCode) / input.MidScaleCode;
        if (offsetShare > 0.25)
        {
            return Invariant($"{what} {input}: bias at {mean * input.VoltsPerCode:0.00} V, expected about {input.MidScaleCode * input.VoltsPerCode:0.00} V (open burden, broken bias divider or ADC fault)");
        }

        return null;
    }
}
