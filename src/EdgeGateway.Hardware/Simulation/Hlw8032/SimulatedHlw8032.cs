using EdgeGateway.Hardware.Metering.Hlw8032;
using EdgeGateway.Hardware.Simulation.Serial;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Simulation.Hlw8032;

/// <summary>
/// One HLW8032 on its own UART behind a pseudo-terminal: the gateway opens <see cref="DevicePath"/> with
/// <c>System.IO.Ports.SerialPort</c> as it opens /dev/ttyUSB0 on a Pi, and the IC sends its 24-byte frames there on
/// the shed's clock, byte for byte as the datasheet lays them out, computed from the port's
/// <see cref="MeteringIcFrontEnd"/> for the board's Kv and Ki.
/// </summary>
/// <remarks>
/// <para>
/// Registers refresh every 50 ms of shed time from the last whole mains cycle. Each of V, I and P is held as the period
/// of the IC's pulses for it, parameter × coefficient / quantity, counted in microseconds (the time base that makes
/// the datasheet's energy per PF pulse, Pparam × Kv × Ki / 10⁶ J, one Power REG period of energy); a refresh that
/// completed a period sets the register's bit in the Data Update REG and stores it, one that did not leaves the old
/// period; a period past 24 bits (no voltage, no current) sets the overflow bit in State REG (0xFx). The PF REG counts
/// pulses of Pparam × Kv × Ki / 10⁶ J with its seventeenth bit in Data Update REG bit 7. Measurements carry ±0.1 %
/// noise, as a live IC's do.
/// </para>
/// <para>
/// Frames go back to back, one every 55 ms (24 bytes of 11 bits at 4800 baud), each with the latest refresh at its
/// first byte; the IC powered up at its own instant, so frames of two ICs are not aligned. A pty carries bytes at once
/// and has no parity bit, no framing and no baud rate: the frame is written whole when its last byte would have
/// arrived, and the simulator waits (in real time, shed time stopped) until the kernel has put it on the gateway's
/// side, so the gateway sees it at that instant of shed time whatever the simulation's speed. Bytes nobody reads (more
/// than 2 KiB waiting) are dropped, as a UART's receive buffer overruns.
/// </para>
/// </remarks>
public sealed class SimulatedHlw8032 : IDisposable
{
    /// <summary>The factory calibration of a typical IC (a real one's frame: 0x02DCD0, 0x003CD7, 0x4DE568).</summary>
    public const uint VoltageParameter = 0x02DCD0;

    public const uint CurrentParameter = 0x003CD7;

    public const uint PowerParameter = 0x4DE568;

    private const int OverrunBytes = 2048;

    private readonly PseudoTerminal _pty;
    private readonly MeteringIcFrontEnd _frontEnd;
    private readonly SimulatedClock _clock;
    private readonly double _kv;
    private readonly double _ki;
    private readonly Random _noise;
    private long _refreshIndex;
    private uint _voltageReg = 0xFF_FFFF;
    private uint _currentReg = 0xFF_FFFF;
    private uint _powerReg = 0xFF_FFFF;
    private double _voltagePhase;
    private double _currentPhase;
    private double _powerPhase;
    private Hlw8032DataUpdate _updated;
    private Hlw8032State _overflows = Hlw8032State.VoltageRegOverflow | Hlw8032State.CurrentRegOverflow | Hlw8032State.PowerRegOverflow;
    private double _pfCount;
    private byte[]? _latched;
    private byte[]? _frozen;
    private Hlw8032Fault _fault;
    private volatile bool _stopped;
    private int _framesSent;

    /// <param name="frontEnd">The port as the IC's pins see it.</param>
    /// <param name="clock">The shed's clock.</param>
    /// <param name="voltageCoefficient">The board's Kv (what the IC's voltage really is per Vparam / Vreg).</param>
    /// <param name="currentCoefficient">The board's Ki.</param>
    /// <param name="seed">Seeds the measurement noise and the instant the IC powered up.</param>
    public SimulatedHlw8032(MeteringIcFrontEnd frontEnd, SimulatedClock clock, double voltageCoefficient, double currentCoefficient, int seed)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        ArgumentNullException.ThrowIfNull(clock);
        _frontEnd = frontEnd;
        _clock = clock;
        _kv = voltageCoefficient;
        _ki = currentCoefficient;
        _noise = new Random(seed);
        _pty = PseudoTerminal.Open();
        _refreshIndex = clock.Elapsed.Ticks / Hlw8032Frame.UpdatePeriod.Ticks;
        TimeSpan first = clock.Elapsed + TimeSpan.FromTicks((long)(_noise.NextDouble() * Hlw8032Frame.WireTime.Ticks));
        _clock.ScheduleAt(first, () => Boundary(first));
    }

    /// <summary>The serial device the gateway opens (the pty's slave, /dev/pts/N).</summary>
    public string DevicePath => _pty.SlavePath;

    /// <summary>Frames put on the wire so far (for tests).</summary>
    public int FramesSent => Volatile.Read(ref _framesSent);

    /// <summary>The energy one PF pulse stands for, in joules, for the board's coefficients.</summary>
    public double PulseJoules => PowerParameter * _kv * _ki / 1e6;

    /// <summary>The fault to play; <see cref="Hlw8032Fault.Stuck"/> repeats the frame last latched.</summary>
    public Hlw8032Fault Fault
    {
        get => _fault;
        set
        {
            _frozen = value == Hlw8032Fault.Stuck ? (byte[]?)_latched?.Clone() ?? Latch(_clock.Elapsed) : null;
            _fault = value;
        }
    }

    /// <summary>The IC loses power: it sends nothing more.</summary>
    public void Stop() => _stopped = true;

    public void Dispose()
    {
        _stopped = true;
        _pty.Dispose();
    }

    /// <summary>A frame boundary: the frame latched at the last one has finished crossing the wire; the next starts.</summary>
    private void Boundary(TimeSpan at)
    {
        if (_stopped)
        {
            return;
        }

        if (_latched is not null && _fault != Hlw8032Fault.Silent)
        {
            Send(_latched);
        }

        _latched = _fault == Hlw8032Fault.Stuck && _frozen is not null ? _frozen : Latch(at);
        TimeSpan next = at + Hlw8032Frame.WireTime;
        _clock.ScheduleAt(next, () => Boundary(next));
    }

    /// <summary>The frame the IC starts sending at <paramref name="at"/>: its registers as of the latest refresh.</summary>
    private byte[] Latch(TimeSpan at)
    {
        RefreshTo(at);
        byte[] frame = new byte[Hlw8032Frame.Length];
        frame[(int)Hlw8032Register.StateReg] = _fault == Hlw8032Fault.CalibrationError
            ? Hlw8032Frame.StateCalibrationError
            : _overflows == Hlw8032State.None ? Hlw8032Frame.StateNormal : (byte)(0xF0 | (byte)_overflows);
        frame[(int)Hlw8032Register.CheckReg] = Hlw8032Frame.CheckRegValue;
        Hlw8032Frame.Write24(frame, Hlw8032Register.VoltageParameterReg, VoltageParameter);
        Hlw8032Frame.Write24(frame, Hlw8032Register.VoltageReg, _voltageReg);
        Hlw8032Frame.Write24(frame, Hlw8032Register.CurrentParameterReg, CurrentParameter);
        Hlw8032Frame.Write24(frame, Hlw8032Register.CurrentReg, _currentReg);
        Hlw8032Frame.Write24(frame, Hlw8032Register.PowerParameterReg, PowerParameter);
        Hlw8032Frame.Write24(frame, Hlw8032Register.PowerReg, _powerReg);
        int pf = (int)_pfCount & 0x1_FFFF;
        frame[(int)Hlw8032Register.DataUpdateReg] = (byte)(_updated | (pf >= 0x1_0000 ? Hlw8032DataUpdate.PfRegOverflow : Hlw8032DataUpdate.None));
        frame[(int)Hlw8032Register.PfReg] = (byte)(pf >> 8);
        frame[(int)Hlw8032Register.PfReg + 1] = (byte)pf;
        frame[(int)Hlw8032Register.CheckSumReg] = Hlw8032Frame.Checksum(frame);
        if (_fault == Hlw8032Fault.BadChecksum)
        {
            frame[(int)Hlw8032Register.CheckSumReg] ^= 0xFF;
        }

        _updated = Hlw8032DataUpdate.None;
        return frame;
    }

    private void RefreshTo(TimeSpan at)
    {
        long index = at.Ticks / Hlw8032Frame.UpdatePeriod.Ticks;
        while (_refreshIndex < index)
        {
            _refreshIndex++;
            Refresh(TimeSpan.FromTicks(_refreshIndex * Hlw8032Frame.UpdatePeriod.Ticks));
        }
    }

    private void Refresh(TimeSpan at)
    {
        (double vrms, double irms, double watts) = _frontEnd.Integrate(at, 1);
        Period(VoltageParameter * _kv, vrms * Noise(), ref _voltageReg, ref _voltagePhase, Hlw8032DataUpdate.VoltageRegUpdated, Hlw8032State.VoltageRegOverflow);
        Period(CurrentParameter * _ki, irms * Noise(), ref _currentReg, ref _currentPhase, Hlw8032DataUpdate.CurrentRegUpdated, Hlw8032State.CurrentRegOverflow);
        Period(PowerParameter * _kv * _ki, watts * Noise(), ref _powerReg, ref _powerPhase, Hlw8032DataUpdate.PowerRegUpdated, Hlw8032State.PowerRegOverflow);
        _pfCount = (_pfCount + (Math.Max(0, watts) * Hlw8032Frame.UpdatePeriod.TotalSeconds / PulseJoules)) % 0x2_0000;
    }

    private double Noise() => 1 + ((_noise.NextDouble() - 0.5) * 0.002);

    private void Period(double scale, double quantity, ref uint register, ref double phase, Hlw8032DataUpdate updated, Hlw8032State overflow)
    {
        double periodMicroseconds = quantity > 0 ? scale / quantity : double.PositiveInfinity;
        if (periodMicroseconds > 0xFF_FFFF)
        {
            _overflows |= overflow;
            register = 0xFF_FFFF;
            phase = 0;
            return;
        }

        _overflows &= ~overflow;
        phase += Hlw8032Frame.UpdatePeriod.TotalMicroseconds / periodMicroseconds;
        if (phase >= 1)
        {
            phase -= Math.Floor(phase);
            register = (uint)Math.Max(1, Math.Round(periodMicroseconds));
            _updated |= updated;
        }
    }

    private void Send(byte[] frame)
    {
        try
        {
            int queued = _pty.QueuedForSlave();
            if (queued > OverrunBytes)
            {
                return;
            }

            _pty.Write(frame);
            Interlocked.Increment(ref _framesSent);

            // The kernel moves the bytes to the gateway's side on its own thread (a workqueue item, flush_to_ldisc): wait
            // for them (shed time stands still meanwhile), so the gateway finds the frame at this instant of shed time. On
            // a loaded machine that worker has been seen to wait hundreds of milliseconds for a CPU; it costs nothing
            // when it does not.
            long deadline = Environment.TickCount64 + 2000;
            while (_pty.QueuedForSlave() < queued + frame.Length && Environment.TickCount64 < deadline)
            {
                Thread.Yield();
            }
        }
        catch (IOException)
        {
            // The pty is closing: nobody to send to.
        }
    }
}
