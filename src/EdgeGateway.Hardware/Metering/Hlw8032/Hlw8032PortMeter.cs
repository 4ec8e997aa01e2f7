using UnitsNet;
using static System.FormattableString;

namespace EdgeGateway.Hardware.Metering.Hlw8032;

/// <summary>
/// An AC port metered by its own HLW8032, which sends a frame on its UART after every 50 ms refresh without being asked.
/// Scaling is the datasheet's: V = Vparam / Vreg × Kv, I = Iparam / Ireg × Ki, P = Pparam / Preg × Kv × Ki, with the
/// board's voltage coefficient Kv (the divider's ratio over 1000: 1.88 for 4 × 470 kΩ over 1 kΩ) and current
/// coefficient Ki (1 / (shunt Ω × 1000): 1 for 1 mΩ); power factor derived,
/// P / (V·I); energy from the PF pulse count, one pulse per Pparam × Kv × Ki / 10⁶ joules (the datasheet's pulses per
/// kWh, 10⁹ × 3600 / (Pparam × Kv × Ki)).
/// </summary>
/// <remarks>
/// <para>
/// Every frame is a measurement: the sampler takes the new frames of every HLW8032 between every two measurements and
/// every few milliseconds between rounds (<see cref="TryTakeNewFrame"/>), so every port is watched continuously, each
/// on its own UART; <see cref="Measure"/> (the port's turn in the round) gives the latest. The IC has no fast
/// over-current output: a frame whose current's peak (RMS × √2) reaches the short-circuit threshold is the short.
/// </para>
/// <para>
/// Registers the Data Update REG says were not refreshed keep their last period; one not refreshed for
/// <see cref="HeldFor"/> reads 0 (a period that long is below anything a port meters), as does one whose overflow bit
/// is set in State REG. Faults never throw: no valid frame for <see cref="SilentAfter"/> (silence, or only frames with
/// bad checksums), the same frame bit for bit for <see cref="StuckAfter"/> (a live IC's PF count and periods move),
/// and State REG 0xAA (calibration unusable) come back as <see cref="MeterReadStatus.Fault"/> with the reason.
/// </para>
/// </remarks>
public sealed class Hlw8032PortMeter : IPortMeter
{
    /// <summary>No valid frame this long is a fault: four and a half frame times.</summary>
    public static readonly TimeSpan SilentAfter = TimeSpan.FromMilliseconds(250);

    /// <summary>The same frame bit for bit this long is a stuck IC: forty frames.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(2);

    /// <summary>A register not refreshed this long stands for a quantity below the IC's range.</summary>
    public static readonly TimeSpan HeldFor = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time;
    private readonly byte[] _previous = new byte[Hlw8032Frame.Length];
    private readonly long _startedAt;
    private long _framesTaken;
    private long _lastFrameAt;
    private long _unchangedSince;
    private long _voltageAt = long.MinValue;
    private long _currentAt = long.MinValue;
    private long _powerAt = long.MinValue;
    private int? _lastPfCount;
    private PortMeasurement _measurement;
    private string? _frameFault;
    private long _bytesAtLastFrame;
    private long _checksumErrorsAtLastFrame;

    /// <param name="chip">The IC on its UART.</param>
    /// <param name="voltageCoefficient">Kv: the datasheet's voltage coefficient of the board (1.88 for 4 × 470 kΩ over 1 kΩ).</param>
    /// <param name="currentCoefficient">Ki: the datasheet's current coefficient of the board (1 / (shunt Ω × 1000)).</param>
    /// <param name="time">The monotonic clock the silence, stuck and hold durations are measured on.</param>
    public Hlw8032PortMeter(Hlw8032 chip, double voltageCoefficient, double currentCoefficient, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(time);
        Chip = chip;
        VoltageCoefficient = voltageCoefficient;
        CurrentCoefficient = currentCoefficient;
        _time = time;
        _startedAt = time.GetTimestamp();
    }

    public Hlw8032 Chip { get; }

    public string Description => Chip.Description;

    /// <summary>Kv, as the site file gives it.</summary>
    public double VoltageCoefficient { get; }

    /// <summary>Ki, as the site file gives it.</summary>
    public double CurrentCoefficient { get; }

    /// <summary>Active energy counted from the PF pulses since this meter's first frame.</summary>
    public Energy Energy { get; private set; }

    /// <summary>The latest frame (taking what the UART has), or the fault that stands in its place.</summary>
    public MeterReading Measure(double shortCircuitPeakAmps)
    {
        long now = _time.GetTimestamp();
        if (!Take(now, out string? portFault))
        {
            return MeterReading.Failed(portFault!);
        }

        return Latest(shortCircuitPeakAmps, now);
    }

    /// <summary>
    /// Takes what the UART has; true with the reading when a frame came in since the last call (or the last
    /// <see cref="Measure"/>). Silence is left to <see cref="Measure"/>: between rounds only news is acted on.
    /// </summary>
    public bool TryTakeNewFrame(double shortCircuitPeakAmps, out MeterReading reading)
    {
        long now = _time.GetTimestamp();
        long before = _framesTaken;
        if (!Take(now, out _) || _framesTaken == before)
        {
            reading = default;
            return false;
        }

        reading = Latest(shortCircuitPeakAmps, now);
        return true;
    }

    private MeterReading Latest(double shortCircuitPeakAmps, long now)
    {
        long last = _framesTaken == 0 ? _startedAt : _lastFrameAt;
        TimeSpan quiet = _time.GetElapsedTime(last, now);
        if (quiet >= SilentAfter)
        {
            Hlw8032Receiver receiver = Chip.Receiver;
            return MeterReading.Failed(receiver.Bytes == _bytesAtLastFrame
                ? Invariant($"{Description}: no frame for {quiet.TotalMilliseconds:0} ms (the IC sends one every {Hlw8032Frame.WireTime.TotalMilliseconds:0} ms)")
                : Invariant($"{Description}: no valid frame for {quiet.TotalMilliseconds:0} ms ({receiver.ChecksumErrors - _checksumErrorsAtLastFrame} with a bad checksum, the last: {receiver.LastError ?? "none whole"})"));
        }

        if (_frameFault is not null)
        {
            return MeterReading.Failed(_frameFault);
        }

        if (_framesTaken == 0)
        {
            // Nothing received yet, but not for long: the IC's first frame is on its way.
            return MeterReading.Failed(Invariant($"{Description}: no frame yet"));
        }

        if (!double.IsInfinity(shortCircuitPeakAmps) && _measurement.PeakCurrentA >= shortCircuitPeakAmps)
        {
            return MeterReading.ShortCircuit(_measurement.PeakCurrent);
        }

        return MeterReading.Ok(_measurement);
    }

    private bool Take(long now, out string? fault)
    {
        Hlw8032Receiver receiver = Chip.Receiver;
        long frames = receiver.Frames;
        if (!Chip.TryReceive(out fault))
        {
            return false;
        }

        if (receiver.Frames != frames)
        {
            OnFrame(receiver.Latest, now);
            _framesTaken++;
            _lastFrameAt = now;
            _bytesAtLastFrame = receiver.Bytes;
            _checksumErrorsAtLastFrame = receiver.ChecksumErrors;
        }

        return true;
    }

    private void OnFrame(ReadOnlySpan<byte> frame, long now)
    {
        _frameFault = null;
        if (_framesTaken > 0 && frame.SequenceEqual(_previous))
        {
            TimeSpan same = _time.GetElapsedTime(_unchangedSince, now);
            if (same >= StuckAfter)
            {
                _frameFault = Invariant($"{Description}: stuck, the same frame for {same.TotalSeconds:0.0} s");
                return;
            }
        }
        else
        {
            frame.CopyTo(_previous);
            _unchangedSince = now;
        }

        var packet = Hlw8032Packet.Decode(frame);
        if (packet.CalibrationUnusable)
        {
            _frameFault = Invariant($"{Description}: State REG 0x{packet.State:X2}, the IC's calibration is unusable");
            return;
        }

        CountEnergy(packet);
        Hlw8032State overflows = packet.Overflows;
        double volts = Quantity(packet.VoltageParameter, packet.Voltage, VoltageCoefficient, (overflows & Hlw8032State.VoltageRegOverflow) != 0, (packet.DataUpdate & Hlw8032DataUpdate.VoltageRegUpdated) != 0, ref _voltageAt, now);
        double amps = Quantity(packet.CurrentParameter, packet.Current, CurrentCoefficient, (overflows & Hlw8032State.CurrentRegOverflow) != 0, (packet.DataUpdate & Hlw8032DataUpdate.CurrentRegUpdated) != 0, ref _currentAt, now);
        double watts = Quantity(packet.PowerParameter, packet.Power, VoltageCoefficient * CurrentCoefficient, (overflows & Hlw8032State.PowerRegOverflow) != 0, (packet.DataUpdate & Hlw8032DataUpdate.PowerRegUpdated) != 0, ref _powerAt, now);
        double apparent = volts * amps;
        double? pf = apparent > 1 ? Math.Min(1, watts / apparent) : null;
        _measurement = new PortMeasurement(
            ElectricPotential.FromVolts(volts),
            ElectricCurrent.FromAmperes(amps),
            Power.FromWatts(watts),
            Power.FromWatts(apparent),
            pf,
            ElectricCurrent.FromAmperes(amps * Math.Sqrt(2)),
            VoltageEstimated: false);
    }

    /// <summary>parameter / register × coefficient; 0 when the register overflowed or has not been refreshed for <see cref="HeldFor"/>.</summary>
    private double Quantity(uint parameter, uint register, double coefficient, bool overflow, bool updated, ref long updatedAt, long now)
    {
        if (overflow || register == 0)
        {
            updatedAt = long.MinValue;
            return 0;
        }

        if (updated)
        {
            updatedAt = now;
        }
        else if (updatedAt == long.MinValue || _time.GetElapsedTime(updatedAt, now) >= HeldFor)
        {
            return 0;
        }

        return parameter * coefficient / register;
    }

    private void CountEnergy(in Hlw8032Packet packet)
    {
        int count = packet.PfCount;
        if (_lastPfCount is { } last)
        {
            // PF REG and its overflow bit make a 17-bit count that wraps.
            int pulses = (count - last) & 0x1_FFFF;
            Energy += Energy.FromJoules(pulses * packet.PowerParameter * VoltageCoefficient * CurrentCoefficient / 1e6);
        }

        _lastPfCount = count;
    }
}
