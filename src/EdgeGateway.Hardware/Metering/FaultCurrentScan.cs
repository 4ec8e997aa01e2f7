using UnitsNet;

namespace EdgeGateway.Hardware.Metering;

/// <summary>Where the fault-current scan asks for thresholds and reports fault current (the sampler, for protection).</summary>
public interface IFaultCurrentListener
{
    /// <summary>The instantaneous current that is a short circuit on port <paramref name="port"/> now; +∞ while the port is not watched (its relay is open).</summary>
    double ShortCircuitPeakAmps(int port);

    /// <summary>The scan confirmed fault current on <paramref name="port"/>; called on the sampling thread, on the sample that confirmed it.</summary>
    void OnShortCircuit(int port, ElectricCurrent peak);

    /// <summary>
    /// The RMS current above which port <paramref name="port"/> may be overloaded (its limit over its voltage: apparent
    /// power bounds real power from above); +∞ while an overload there is not to be looked for.
    /// </summary>
    double OverloadSuspectAmps(int port);
}

/// <summary>
/// Watches every AC port's current all the time, not only during its own measurement: between the sample pairs of
/// whichever port is being measured over its whole mains cycle, one conversion of the next watched port's CT channel
/// (round robin, skipping the measured port and ports whose relay is open). At the demo's 1 MHz SPI clock a conversion
/// takes about 40 µs, so with 36 ports charging each is sampled every 4.2 ms and a bolted short is confirmed within
/// one mains cycle of its onset on any port, where it used to wait for the port's turn in the round (up to a round
/// and a half). The decision is taken here, on the sampling thread, on the conversion that confirms it.
/// </summary>
/// <remarks>
/// The scan tells fault current from a pinned input by its samples alone (<see cref="ScanFaultWatch"/>): it never
/// takes "came from within the threshold" as proof, because its samples are milliseconds apart and a CT input that
/// opens between two of them (0 V) would look exactly like that. Used only from the sampling thread.
/// </remarks>
public sealed class FaultCurrentScan
{
    /// <summary>Scan samples of a port per RMS estimate: about 30 ms of scanning on a 20-port shed, 50 ms on a 36-port one.</summary>
    public const int OverloadWindowSamples = 12;

    // An estimate this far above the port's last measured RMS current is a rise worth measuring out of turn.
    private const double SuspectRise = 1.25;

    // A port whose last scan sample was beyond the threshold is sampled at every other scan slot until its watch
    // decides, for at most this many of its samples (over a half cycle at a pair's 120 µs): a pinned input, which never
    // confirms, halves the others' scan rate only that long at a time, until its own measurement reports the meter fault.
    private const int ArmedSamplesAtMost = 100;

    // Between rounds, a port whose watch is armed is sampled this many times in a row after the pass (3 ms at 40 µs a
    // conversion): the other rail of a saturated short is then seen within a conversion of its zero crossing.
    private const int ArmedBurst = 75;

    private readonly AcPortMeter?[] _ports;
    private readonly ScanFaultWatch[] _watches;
    private readonly double[] _sumSquares;
    private readonly int[] _windowSamples;
    private readonly bool[] _suspects;
    private int _next;
    private int _nextSuspect;
    private int _armed = -1;
    private int _spent = -1;
    private int _armedSamples;
    private bool _armedTurn;

    /// <summary>Scans the AC ports among <paramref name="meters"/> (indexed as protection indexes its ports).</summary>
    public FaultCurrentScan(IReadOnlyList<IPortMeter> meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _ports = [.. meters.Select(m => m as AcPortMeter)];
        _watches = new ScanFaultWatch[_ports.Length];
        _sumSquares = new double[_ports.Length];
        _windowSamples = new int[_ports.Length];
        _suspects = new bool[_ports.Length];
    }

    /// <summary>Where thresholds come from and fault current goes; nothing is scanned without one.</summary>
    public IFaultCurrentListener? Listener { get; set; }

    /// <summary>Conversions the scan has made (each about 40 µs of SPI at 1 MHz).</summary>
    public long Conversions { get; private set; }

    /// <summary>One conversion of every watched port, between rounds when no port is being measured; false when no port is watched.</summary>
    public bool SamplePass()
    {
        if (Listener is not { } listener)
        {
            return false;
        }

        bool any = false;
        for (int index = 0; index < _ports.Length; index++)
        {
            if (_ports[index] is { } port && listener.ShortCircuitPeakAmps(index) is var threshold && !double.IsPositiveInfinity(threshold))
            {
                Sample(index, port, threshold, listener);
                any = true;
            }
        }

        for (int k = 0; k < ArmedBurst && _armed >= 0; k++)
        {
            int index = _armed;
            double threshold = listener.ShortCircuitPeakAmps(index);
            if (double.IsPositiveInfinity(threshold))
            {
                _armed = -1;
                break;
            }

            Sample(index, _ports[index]!, threshold, listener, estimate: false);
        }

        return any;
    }

    /// <summary>One conversion of the next watched port other than <paramref name="measuring"/> (whose own samples watch it); false when there is none.</summary>
    internal bool SampleNext(AcPortMeter measuring)
    {
        if (Listener is not { } listener)
        {
            return false;
        }

        // A port with one sample beyond its threshold: every other slot is its, so the sample that confirms a saturated
        // short (the other rail, after the zero crossing) comes within a pair or two of that crossing, not a pass later.
        _armedTurn = !_armedTurn;
        if (_armedTurn && _armed >= 0 && _ports[_armed] is { } armedPort && !ReferenceEquals(armedPort, measuring))
        {
            double armedThreshold = listener.ShortCircuitPeakAmps(_armed);
            if (!double.IsPositiveInfinity(armedThreshold))
            {
                Sample(_armed, armedPort, armedThreshold, listener, estimate: false);
                return true;
            }

            _armed = -1;
        }

        for (int tried = 0; tried < _ports.Length; tried++)
        {
            int index = _next;
            _next = _next + 1 == _ports.Length ? 0 : _next + 1;
            if (_ports[index] is not { } port || ReferenceEquals(port, measuring))
            {
                continue;
            }

            double threshold = listener.ShortCircuitPeakAmps(index);
            if (double.IsPositiveInfinity(threshold))
            {
                _watches[index] = default;
                _windowSamples[index] = 0;
                _sumSquares[index] = 0;
                continue;
            }

            Sample(index, port, threshold, listener);
            return true;
        }

        return false;
    }

    // The armed port's extra samples fall milliseconds apart at most, not spread over the cycle: they are kept out of its
    // RMS estimate (a saturated short's would ask for its measurement out of turn, which stops the scan watching it).
    private void Sample(int index, AcPortMeter port, double thresholdAmps, IFaultCurrentListener listener, bool estimate = true)
    {
        int code;
        try
        {
            code = port.Current.Read();
            Conversions++;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            // A conversion that fails says nothing here; the port's own measurement reports the meter fault.
            _watches[index] = default;
            return;
        }

        double ampsPerCode = port.Current.VoltsPerCode * port.AmpsPerAdcVolt;
        double deviation = code - port.CurrentOffset;
        double movingCodes = port.Current.MidScaleCode * 2 * FaultCurrentWatch.MovingShareOfFullScale;
        if (_watches[index].IsFaultCurrent(code, deviation, thresholdAmps / ampsPerCode, movingCodes, estimate ? 1 : ScanFaultWatch.ArmedWithinAtMost))
        {
            _watches[index] = default;
            if (_armed == index)
            {
                _armed = -1;
            }

            listener.OnShortCircuit(index, ElectricCurrent.FromAmperes(Math.Abs(deviation) * ampsPerCode));
            return;
        }

        Arm(index);
        if (!estimate)
        {
            return;
        }

        EstimateRms(index, port, deviation, ampsPerCode, listener);
    }

    /// <summary>Follows which port's watch is armed (a sample beyond the threshold, not yet decided), for at most <see cref="ArmedSamplesAtMost"/> of its samples.</summary>
    private void Arm(int index)
    {
        bool armed = _watches[index].Armed;
        if (_spent == index && !armed)
        {
            _spent = -1;
        }

        if (_armed == index)
        {
            if (!armed || ++_armedSamples >= ArmedSamplesAtMost)
            {
                // Beyond for that long and never confirmed: a pinned input. Not armed again before it reads within.
                _spent = armed ? index : -1;
                _armed = -1;
            }
        }
        else if (_armed < 0 && armed && _spent != index)
        {
            _armed = index;
            _armedSamples = 0;
        }
    }

    /// <summary>
    /// Takes a port whose current, estimated from its scan samples, rose above what may be an overload since its last
    /// measurement: the sampler measures it over a whole cycle out of turn, and protection decides on that measurement.
    /// </summary>
    public bool TryTakeSuspect(out int port)
    {
        for (int tried = 0; tried < _suspects.Length; tried++)
        {
            int index = _nextSuspect;
            _nextSuspect = _nextSuspect + 1 == _suspects.Length ? 0 : _nextSuspect + 1;
            if (_suspects[index])
            {
                _suspects[index] = false;
                port = index;
                return true;
            }
        }

        port = -1;
        return false;
    }

    /// <summary>
    /// An RMS estimate from the port's scan samples: they fall at phases spread over the cycle (a scan pass is not a
    /// whole number of cycles long), so their mean square estimates the current's, within about 10 % at 12 samples.
    /// It only ever asks for a measurement; it never trips anything itself.
    /// </summary>
    private void EstimateRms(int index, AcPortMeter port, double deviation, double ampsPerCode, IFaultCurrentListener listener)
    {
        _sumSquares[index] += deviation * deviation;
        if (++_windowSamples[index] < OverloadWindowSamples)
        {
            return;
        }

        double rmsAmps = Math.Sqrt(_sumSquares[index] / _windowSamples[index]) * ampsPerCode;
        _sumSquares[index] = 0;
        _windowSamples[index] = 0;
        if (rmsAmps >= listener.OverloadSuspectAmps(index) && rmsAmps > port.LastCurrentRmsAmps * SuspectRise)
        {
            _suspects[index] = true;
        }
    }
}

/// <summary>
/// The scan's judgement of one port, on samples milliseconds apart: two samples in a row beyond the threshold that are
/// on opposite sides of the bias (an alternating current swung; a saturated short does within half a cycle) or differ
/// by the moving share of full scale (a fault current within the ADC's range) are fault current. Between two samples
/// on opposite sides one sample within the threshold is allowed: a scan sample can fall in the fraction of a
/// millisecond a fault current takes to cross zero. A pinned input (an open burden at 0 V, a rail) does neither,
/// however it got there, and is left to the whole-cycle channel check.
/// </summary>
internal struct ScanFaultWatch
{
    /// <summary>
    /// Samples within the threshold allowed between two beyond it on opposite sides when the port is sampled every other
    /// scan slot (armed): about 240 µs apart, so 24 cover the 5.8 ms a fault current of twice the threshold spends within
    /// it around its zero crossing. Sampled once a pass (milliseconds apart), one is allowed.
    /// </summary>
    public const int ArmedWithinAtMost = 24;

    // 0: no sample beyond the threshold yet; 1: the previous sample was beyond; k > 1: k - 1 samples within since.
    private int _beyondAgo;
    private int _lastSign;
    private int _lastCode;

    /// <summary>Whether a sample beyond the threshold was taken and the next one or two may confirm it.</summary>
    public readonly bool Armed => _beyondAgo >= 1 && _beyondAgo - 1 <= ArmedWithinAtMost;

    /// <summary>Takes the port's next scan sample (its code, its distance from the bias); true when it confirms fault current.</summary>
    public bool IsFaultCurrent(int code, double deviation, double thresholdCodes, double movingCodes, int withinAtMost = 1)
    {
        if (Math.Abs(deviation) < thresholdCodes)
        {
            _beyondAgo = _beyondAgo is 0 or > ArmedWithinAtMost + 1 ? _beyondAgo : _beyondAgo + 1;
            return false;
        }

        int sign = Math.Sign(deviation);
        bool confirmed = (_beyondAgo == 1 && (sign != _lastSign || Math.Abs(code - _lastCode) >= movingCodes))
            || (_beyondAgo >= 2 && _beyondAgo - 1 <= withinAtMost && sign != _lastSign);
        _beyondAgo = 1;
        _lastSign = sign;
        _lastCode = code;
        return confirmed;
    }
}
