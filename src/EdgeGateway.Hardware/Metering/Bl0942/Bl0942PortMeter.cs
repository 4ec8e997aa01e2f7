using EdgeGateway.Hardware.ShedSensors;
using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Metering.Bl0942;

/// <summary>
/// An AC port metered by its own BL0942 (datasheet V1.06): the chip integrates voltage, current and active power itself
/// and the gateway reads its full packet over the UART. Scaling is the datasheet's (section 2.3): with I(mV) the voltage
/// across the shunt and V(mV) the voltage at VP after the divider, I_RMS = 305978 × I / Vref, V_RMS = 73989 × V / Vref,
/// WATT = 3537 × I × V × cos φ / Vref², one CF_CNT pulse every 1638.4 × 256 / WATT seconds, FREQ = the line period in µs;
/// Vref = 1.218 V. Power factor is derived: P / (V·I).
/// </summary>
/// <remarks>
/// <para>
/// Short circuits: the chip's fast RMS (over half a cycle) is compared with I_FAST_RMS_TH, which this meter programs from
/// the port's short-circuit threshold, and its CF1 pin is configured (OT_FUNX) as the over-current output, wired to a
/// GPIO the sampling thread watches (<see cref="TryReadOverCurrent"/>) between every port's measurement and every few
/// milliseconds between rounds. A packet whose I_FAST_RMS is past the threshold ends the read as a short circuit too.
/// </para>
/// <para>
/// Faults never throw: no answer, a garbled answer or a bad checksum, and a chip whose packet stays the same bit for bit
/// for <see cref="StuckAfter"/> (a live chip's RMS registers refresh every 400 ms and carry noise) come back as
/// <see cref="MeterReadStatus.Fault"/>. A chip that did not answer <see cref="SilentReads"/> times running is asked again
/// only every <see cref="SilentRetry"/>, so a dead chip costs the rounds one timeout every few seconds, not one per round;
/// it is reconfigured when it answers again (a brown-out resets its user registers).
/// </para>
/// </remarks>
public sealed class Bl0942PortMeter : IPortMeter
{
    /// <summary>The BL0942's internal reference (datasheet 2.1, typical).</summary>
    public const double ReferenceVolts = 1.218;

    /// <summary>A packet the same bit for bit this long is a stuck chip: five of its 400 ms RMS refreshes.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(2);

    /// <summary>How long a chip that did not answer <see cref="SilentReads"/> times running is left alone before it is asked again.</summary>
    public static readonly TimeSpan SilentRetry = TimeSpan.FromSeconds(5);

    /// <summary>Reads in a row without an answer before the chip counts as silent (one lost answer is not a dead chip).</summary>
    public const int SilentReads = 3;

    /// <summary>
    /// How long after a change of load a packet's WATT may still describe the load before it: the RMS and WATT refresh
    /// (400 ms, MODE.RMS_UPDATE_SEL = 0; datasheet 3.1), the whole cycle each refresh covers (20 ms at 50 Hz), and the
    /// packet's answer on the wire after the chip sampled its registers (23 bytes: 48 ms at 4800 baud, 6 ms at 38 400).
    /// </summary>
    public TimeSpan PowerLag => TimeSpan.FromMilliseconds(400 + 20) + (Chip.ByteTime * Bl0942Frame.PacketLength);

    /// <summary>A full-packet exchange on the wire: the 2-byte request and the 23-byte answer (52 ms at 4800 baud, 6.5 ms at 38 400).</summary>
    public TimeSpan PacketExchange => Chip.ByteTime * (2 + Bl0942Frame.PacketLength);

    private readonly ContactInput? _overCurrent;
    private readonly TimeProvider _time;
    private readonly double _countsPerAmp;
    private readonly double _countsPerVolt;
    private readonly double _countsPerWatt;
    private double _configuredPeakAmps = double.NaN;
    private Bl0942Packet? _lastPacket;
    private long _unchangedSince;
    private long _silentAt;
    private string? _silentFault;
    private int _unanswered;
    private uint? _lastCfCnt;
    private bool _requested;
    private bool _fastRequested;
    private uint _fastRmsCounts;

    /// <param name="chip">The chip on its UART.</param>
    /// <param name="shuntOhms">The current shunt between IP and IN.</param>
    /// <param name="voltageDivider">Line volts per volt at the VP pin (the resistor divider's ratio, R1+R2 over R1).</param>
    /// <param name="overCurrent">The GPIO input the chip's CF1 pin (over-current output) drives, active high; null when not wired.</param>
    /// <param name="time">The monotonic clock the stuck and retry durations are measured on.</param>
    public Bl0942PortMeter(Bl0942 chip, double shuntOhms, double voltageDivider, ContactInput? overCurrent, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(chip);
        Chip = chip;
        _overCurrent = overCurrent;
        _time = time;
        double shuntMillivoltsPerAmp = shuntOhms * 1000;
        double pinMillivoltsPerVolt = 1000 / voltageDivider;
        _countsPerAmp = 305978 * shuntMillivoltsPerAmp / ReferenceVolts;
        _countsPerVolt = 73989 * pinMillivoltsPerVolt / ReferenceVolts;
        _countsPerWatt = 3537 * shuntMillivoltsPerAmp * pinMillivoltsPerVolt / (ReferenceVolts * ReferenceVolts);
    }

    public Bl0942 Chip { get; }

    public string Description => Chip.Description;

    /// <summary>Whether the chip's over-current output is wired to an input the sampler watches.</summary>
    public bool WatchesOverCurrent => _overCurrent is not null;

    /// <summary>Active energy counted from CF_CNT since this meter first read the chip.</summary>
    public Energy Energy { get; private set; }

    /// <summary>The I_FAST_RMS_TH register value for a fast RMS of <paramref name="amps"/> (the register compares I_FAST_RMS[23:8]).</summary>
    public uint FastRmsThreshold(double amps) => (uint)Math.Clamp(Math.Round(amps * _countsPerAmp / 256), 1, 0xFFFF);

    /// <summary>
    /// Reads the over-current output: <paramref name="asserted"/> is true while the chip's fast RMS is at or past its
    /// threshold. False when there is no such input or it cannot be read (the meter's own reads still protect the port).
    /// </summary>
    public bool TryReadOverCurrent(out bool asserted)
    {
        asserted = false;
        return _overCurrent is not null && _overCurrent.TryRead(out asserted, out _);
    }

    /// <summary>The peak current the over-current output stands for: the fast RMS threshold of a sine, × √2.</summary>
    public double OverCurrentPeakAmps => double.IsNaN(_configuredPeakAmps) ? 0 : _configuredPeakAmps;

    /// <summary>
    /// The fast RMS current (I_FAST_RMS: over half a cycle, refreshed every half cycle with I_FAST_RMS_CYC = 0) of the
    /// last packet or fast read, in amperes; NaN before the first.
    /// </summary>
    public double FastRmsAmps { get; private set; } = double.NaN;

    /// <summary>
    /// Sends a read of I_FAST_RMS alone (a 12.5 ms exchange at 4800 baud, against 52 ms for the full packet) and returns
    /// at once; <see cref="TryTakeFastCurrent"/> takes the answer. False (nothing sent) while a packet request is on the
    /// wire, while a silent chip waits for its retry, or before the chip was configured (its fast RMS then runs over a
    /// whole cycle). The caller sends nothing else on the same UART before taking the answer.
    /// </summary>
    public bool TryRequestFastCurrent()
    {
        if (_requested || _fastRequested || double.IsNaN(_configuredPeakAmps)
            || (_unanswered >= SilentReads && _time.GetElapsedTime(_silentAt, _time.GetTimestamp()) < SilentRetry))
        {
            return false;
        }

        _fastRequested = Chip.TryRequestRegister(Bl0942Register.IFastRms, out _);
        return _fastRequested;
    }

    /// <summary>
    /// Takes the answer to <see cref="TryRequestFastCurrent"/>: the fast RMS current in amperes, or false when the chip did
    /// not answer properly (a chip that stays silent counts towards <see cref="SilentReads"/>; the next packet read
    /// reports the fault to protection).
    /// </summary>
    public bool TryTakeFastCurrent(out double amps)
    {
        amps = double.NaN;
        if (!_fastRequested)
        {
            return false;
        }

        _fastRequested = false;
        if (!Chip.TryTakeRegister(Bl0942Register.IFastRms, out uint value, out string? fault))
        {
            if (fault!.Contains("no answer", StringComparison.Ordinal))
            {
                NoteSilent(fault, _time.GetTimestamp());
            }

            return false;
        }

        amps = value / _countsPerAmp;
        FastRmsAmps = amps;
        _fastRmsCounts = value;
        return true;
    }

    /// <summary>
    /// Whether the last fast read's I_FAST_RMS (<see cref="TryTakeFastCurrent"/>) is past the short-circuit threshold, as
    /// the chip compares it for its over-current output: a port without that output wired trips on the fast reads between
    /// rounds and waves, not only on its own packet once a round. False when the port has no threshold (relay open).
    /// </summary>
    public bool FastReadPastShortCircuit(double shortCircuitPeakAmps) => PastShortCircuit(_fastRmsCounts, shortCircuitPeakAmps);

    private bool PastShortCircuit(uint fastRmsCounts, double shortCircuitPeakAmps) =>
        !double.IsInfinity(shortCircuitPeakAmps) && fastRmsCounts >> 8 >= FastRmsThreshold(shortCircuitPeakAmps / Math.Sqrt(2));

    /// <summary>Whether a packet request is on the wire (<see cref="TryRequest"/>) and <see cref="Measure"/> takes its answer.</summary>
    public bool Requested => _requested;

    /// <summary>
    /// Sends the full-packet request now, so that the chip answers while the sampler asks the chips of other UARTs;
    /// <see cref="Measure"/> then takes the answer. False (nothing sent) when the next read is not a plain packet read:
    /// a silent chip's retry wait, or the over-current threshold to program first; <see cref="Measure"/> does those
    /// itself. The caller sends no other request on the same UART before <see cref="Measure"/>.
    /// </summary>
    public bool TryRequest(double shortCircuitPeakAmps)
    {
        if (_requested)
        {
            return true;
        }

        if ((_unanswered >= SilentReads && _time.GetElapsedTime(_silentAt, _time.GetTimestamp()) < SilentRetry)
            || (!double.IsInfinity(shortCircuitPeakAmps) && shortCircuitPeakAmps != _configuredPeakAmps))
        {
            return false;
        }

        // A request that could not be sent is sent again by Measure, which reports the fault.
        _requested = Chip.TryRequestPacket(out _);
        return _requested;
    }

    public MeterReading Measure(double shortCircuitPeakAmps)
    {
        long now = _time.GetTimestamp();
        Bl0942Packet packet;
        string? fault;
        if (_requested)
        {
            _requested = false;
            if (!Chip.TryTakePacket(out packet, out fault))
            {
                return Unanswered(fault!, now);
            }
        }
        else
        {
            if (_unanswered >= SilentReads && _time.GetElapsedTime(_silentAt, now) < SilentRetry)
            {
                return MeterReading.Failed(_silentFault!);
            }

            // The threshold follows the port's setting; +∞ (relay open) keeps the last one programmed.
            if (!double.IsInfinity(shortCircuitPeakAmps) && shortCircuitPeakAmps != _configuredPeakAmps && !TryConfigure(shortCircuitPeakAmps, now, out string? configureFault))
            {
                return MeterReading.Failed(configureFault!);
            }

            if (!Chip.TryReadPacket(out packet, out fault))
            {
                return Unanswered(fault!, now);
            }
        }

        return Decode(packet, shortCircuitPeakAmps, now);
    }

    private MeterReading Unanswered(string fault, long now)
    {
        if (fault.Contains("no answer", StringComparison.Ordinal))
        {
            NoteSilent(fault, now);
        }

        return MeterReading.Failed(fault);
    }

    private MeterReading Decode(Bl0942Packet packet, double shortCircuitPeakAmps, long now)
    {
        _unanswered = 0;
        if (_lastPacket == packet)
        {
            if (_time.GetElapsedTime(_unchangedSince, now) >= StuckAfter)
            {
                return MeterReading.Failed(Invariant($"{Description}: stuck, the same packet for {_time.GetElapsedTime(_unchangedSince, now).TotalSeconds:0.0} s"));
            }
        }
        else
        {
            _lastPacket = packet;
            _unchangedSince = now;
        }

        CountEnergy(packet.CfCnt);
        double fastAmps = packet.IFastRms / _countsPerAmp;
        FastRmsAmps = fastAmps;
        if (PastShortCircuit(packet.IFastRms, shortCircuitPeakAmps))
        {
            return MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(fastAmps * Math.Sqrt(2)));
        }

        double volts = packet.VRms / _countsPerVolt;
        double amps = packet.IRms / _countsPerAmp;

        // The chip's anti-creep zeroes small powers; a charging port draws and never feeds.
        double watts = Math.Max(0, packet.Watt / _countsPerWatt);
        double apparent = volts * amps;
        double? pf = apparent > 1 ? Math.Min(1, watts / apparent) : null;
        return MeterReading.Ok(new PortMeasurement(
            ElectricPotential.FromVolts(volts),
            ElectricCurrent.FromAmperes(amps),
            Power.FromWatts(watts),
            Power.FromWatts(apparent),
            pf,
            ElectricCurrent.FromAmperes(Math.Max(amps, fastAmps) * Math.Sqrt(2)),
            VoltageEstimated: false));
    }

    private void NoteSilent(string fault, long now)
    {
        _unanswered++;
        _silentFault = Invariant($"{fault} ({_unanswered} times running; asked again every {SilentRetry.TotalSeconds:0} s)");
        _silentAt = now;

        // A chip that went silent may have been reset: program it again when it answers, and look for it at the pin's
        // rate too.
        _configuredPeakAmps = double.NaN;
        Chip.ForgetBaud();
    }

    private bool TryConfigure(double shortCircuitPeakAmps, long now, out string? fault)
    {
        // CF1 becomes the over-current output (OT_FUNX bits 1:0 = 01), ZX stays the voltage zero crossing (bits 5:4 = 10);
        // the fast RMS is refreshed every half cycle (I_FAST_RMS_CYC = 0) and compared with the port's threshold as the
        // RMS of a sine whose peak reaches it.
        uint otFunx = (uint)Bl0942PinFunction.OverCurrent | ((uint)Bl0942PinFunction.VoltageZeroCrossing << 4);
        if (!Chip.TryConfigure(
            [
                (Bl0942Register.IFastRmsCyc, 0),
                (Bl0942Register.IFastRmsTh, FastRmsThreshold(shortCircuitPeakAmps / Math.Sqrt(2))),
                (Bl0942Register.OtFunx, otFunx),
            ],
            out fault))
        {
            if (fault!.Contains("no answer", StringComparison.Ordinal))
            {
                NoteSilent(fault, now);
            }

            return false;
        }

        _configuredPeakAmps = shortCircuitPeakAmps;
        return true;
    }

    private void CountEnergy(uint cfCnt)
    {
        if (_lastCfCnt is { } last)
        {
            // CF_CNT is a 24-bit counter that wraps.
            uint pulses = (cfCnt - last) & 0xFF_FFFF;
            Energy += Energy.FromJoules(pulses * 1638.4 * 256 / _countsPerWatt);
        }

        _lastCfCnt = cfCnt;
    }
}
