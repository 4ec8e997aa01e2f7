using EdgeGateway.Hardware.Metering.Bl0942;
using EdgeGateway.Hardware.Simulation.Shed;

namespace EdgeGateway.Hardware.Simulation.Bl0942;

/// <summary>
/// One BL0942 (datasheet V1.06) on a <see cref="SimulatedBl0942Bus"/>: its registers computed from the port's
/// <see cref="MeteringIcFrontEnd"/> with the datasheet's formulas (section 2.3) for the board's shunt and divider.
/// I_RMS, V_RMS, WATT and FREQ refresh every 400 ms of shed time (MODE.RMS_UPDATE_SEL = 0, the power-on value) from the
/// last whole cycle; CF_CNT counts WATT / (1638.4 × 256) pulses a second; I_FAST_RMS is the RMS of the last half cycle.
/// User registers (0x10–0x1C) take writes only while USR_WRPROT is 0x55. With CF1 configured as the over-current output
/// (OT_FUNX bits 1:0 = 01), its pin follows I_FAST_RMS[23:8] ≥ I_FAST_RMS_TH at every half cycle of shed time.
/// </summary>
public sealed class SimulatedBl0942
{
    private static readonly TimeSpan RmsUpdate = TimeSpan.FromMilliseconds(400);

    private readonly MeteringIcFrontEnd _frontEnd;
    private readonly SimulatedClock _clock;
    private readonly Action<bool>? _overCurrentPin;
    private readonly double _countsPerPinMillivoltI;
    private readonly double _countsPerPinMillivoltV;
    private readonly double _shuntMillivoltsPerAmp;
    private readonly double _pinMillivoltsPerVolt;
    private readonly Dictionary<Bl0942Register, uint> _user = [];
    private long _updateIndex = -1;
    private uint _iRms;
    private uint _vRms;
    private int _watt;
    private uint _freq;
    private double _cfCnt;
    private TimeSpan _cfAt;
    private bool _overCurrent;
    private bool _unlocked;
    private volatile bool _stopped;
    private byte[]? _frozenPacket;
    private Bl0942Fault _fault;

    /// <param name="address">A2A1, 0–3.</param>
    /// <param name="frontEnd">The port as the chip's pins see it.</param>
    /// <param name="clock">The shed's clock.</param>
    /// <param name="shuntOhms">The board's current shunt.</param>
    /// <param name="voltageDivider">Line volts per volt at VP.</param>
    /// <param name="overCurrentPin">Drives the GPIO the CF1 pin is wired to (null: not wired).</param>
    public SimulatedBl0942(int address, MeteringIcFrontEnd frontEnd, SimulatedClock clock, double shuntOhms, double voltageDivider, Action<bool>? overCurrentPin)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        ArgumentNullException.ThrowIfNull(clock);
        Address = address;
        _frontEnd = frontEnd;
        _clock = clock;
        _overCurrentPin = overCurrentPin;
        _shuntMillivoltsPerAmp = shuntOhms * 1000;
        _pinMillivoltsPerVolt = 1000 / voltageDivider;
        _countsPerPinMillivoltI = 305978 / Bl0942PortMeter.ReferenceVolts;
        _countsPerPinMillivoltV = 73989 / Bl0942PortMeter.ReferenceVolts;
        PowerOn();
        if (overCurrentPin is not null)
        {
            overCurrentPin(false);
            ScheduleOverCurrentCheck();
        }
    }

    public int Address { get; }

    /// <summary>The fault to play; <see cref="Bl0942Fault.Stuck"/> freezes the answers as they are when it is set.</summary>
    public Bl0942Fault Fault
    {
        get => _fault;
        set
        {
            _frozenPacket = value == Bl0942Fault.Stuck ? Packet(_clock.Elapsed) : null;
            _fault = value;
        }
    }

    /// <summary>
    /// The rate the chip's UART talks at: MODE.UART_RATE_SEL's (19 200 or 38 400) or the SCLK_BPS pin's (low: 4800, as
    /// modules wire it). It listens at that rate only: a frame sent at another is framing errors to it, and ignored.
    /// </summary>
    public int BaudRate => Bl0942Frame.BaudOfMode(_user[Bl0942Register.Mode], Bl0942Frame.BaudRate);

    /// <summary>A user register's value as the chip holds it (for tests).</summary>
    public uint Register(Bl0942Register register) => ReadRegister(register, _clock.Elapsed);

    /// <summary>A brown-out: the chip restarts with its power-on registers (and the pin's baud rate), as after SOFT_RESET.</summary>
    public void Reset() => PowerOn();

    /// <summary>The chip loses power: it stops driving its pin and answers nothing more.</summary>
    public void Stop() => _stopped = true;

    /// <summary>The 23-byte full packet at shed time <paramref name="at"/> (header, seven registers, checksum).</summary>
    internal byte[] Packet(TimeSpan at)
    {
        if (_fault == Bl0942Fault.Stuck && _frozenPacket is not null)
        {
            return (byte[])_frozenPacket.Clone();
        }

        Refresh(at);
        byte[] packet = new byte[Bl0942Frame.PacketLength];
        packet[0] = Bl0942Frame.PacketHeader;
        Bl0942Frame.Write24(packet.AsSpan(1), _iRms);
        Bl0942Frame.Write24(packet.AsSpan(4), _vRms);
        Bl0942Frame.Write24(packet.AsSpan(7), FastRms(at));
        Bl0942Frame.Write24(packet.AsSpan(10), (uint)_watt);
        Bl0942Frame.Write24(packet.AsSpan(13), (uint)_cfCnt & 0xFF_FFFF);
        Bl0942Frame.Write24(packet.AsSpan(16), _freq);
        Bl0942Frame.Write24(packet.AsSpan(19), _watt < 0 ? 1u : 0u);
        packet[^1] = Bl0942Frame.Checksum((byte)(Bl0942Frame.ReadCommand | Address), packet.AsSpan(0, Bl0942Frame.PacketLength - 1));
        return packet;
    }

    /// <summary>A register's value at shed time <paramref name="at"/>.</summary>
    internal uint ReadRegister(Bl0942Register register, TimeSpan at)
    {
        if (register is >= Bl0942Register.IRms and <= Bl0942Register.Status)
        {
            byte[] packet = Packet(at);
            int offset = 1 + (3 * (register - Bl0942Register.IRms));
            return Bl0942Frame.Read24(packet.AsSpan(offset));
        }

        if (register == Bl0942Register.UsrWrprot)
        {
            return _unlocked ? 1u : 0u;
        }

        return _user.TryGetValue(register, out uint value) ? value : 0;
    }

    /// <summary>A write the chip accepted (checksum good): user registers only while unlocked (section 3.3).</summary>
    internal void WriteRegister(Bl0942Register register, uint value)
    {
        value &= 0xFF_FFFF;
        if (register == Bl0942Register.UsrWrprot)
        {
            _unlocked = value == Bl0942Frame.UnlockCode;
            return;
        }

        if (!_unlocked || register < Bl0942Register.IRmsos)
        {
            return;
        }

        if (register == Bl0942Register.SoftReset && value == 0x5A5A5A)
        {
            PowerOn();
            return;
        }

        _user[register] = value;
    }

    private void PowerOn()
    {
        _user.Clear();
        _user[Bl0942Register.IFastRmsTh] = 0xFFFF;
        _user[Bl0942Register.IFastRmsCyc] = 1;
        _user[Bl0942Register.FreqCyc] = 3;
        _user[Bl0942Register.OtFunx] = 0x24;
        _user[Bl0942Register.Mode] = 0x87;
        _user[Bl0942Register.GainCr] = 2;
        _unlocked = false;
    }

    /// <summary>Brings the 400 ms registers up to the last refresh at or before <paramref name="at"/>.</summary>
    private void Refresh(TimeSpan at)
    {
        long index = at.Ticks / RmsUpdate.Ticks;
        if (index == _updateIndex)
        {
            return;
        }

        _updateIndex = index;
        var refreshedAt = TimeSpan.FromTicks(index * RmsUpdate.Ticks);
        (double vrms, double irms, double watts) = _frontEnd.Integrate(refreshedAt, 1);
        _iRms = Counts(irms * _shuntMillivoltsPerAmp * _countsPerPinMillivoltI);
        _vRms = Counts(vrms * _pinMillivoltsPerVolt * _countsPerPinMillivoltV);
        double watt = 3537 * (watts * _shuntMillivoltsPerAmp * _pinMillivoltsPerVolt) / (Bl0942PortMeter.ReferenceVolts * Bl0942PortMeter.ReferenceVolts);
        _watt = (int)Math.Clamp(Math.Round(watt), -0x80_0000, 0x7F_FFFF);
        _freq = vrms > 10 ? (uint)Math.Round(1_000_000 / _frontEnd.FrequencyHz) : 0;
        if (_cfAt != TimeSpan.Zero || _cfCnt != 0)
        {
            _cfCnt += Math.Max(0, _watt) * (refreshedAt - _cfAt).TotalSeconds / (1638.4 * 256);
        }

        _cfAt = refreshedAt;
    }

    private uint FastRms(TimeSpan at) => Counts(_frontEnd.Integrate(at, 0.5).Irms * _shuntMillivoltsPerAmp * _countsPerPinMillivoltI);

    private static uint Counts(double value) => (uint)Math.Clamp(Math.Round(value), 0, 0xFF_FFFF);

    /// <summary>Every half cycle of shed time, on whichever thread advances the clock: the over-current pin follows the fast RMS.</summary>
    private void ScheduleOverCurrentCheck()
    {
        var halfCycle = TimeSpan.FromSeconds(0.5 / _frontEnd.FrequencyHz);
        var next = TimeSpan.FromTicks(((_clock.Elapsed.Ticks / halfCycle.Ticks) + 1) * halfCycle.Ticks);
        _clock.ScheduleAt(next, () =>
        {
            if (_stopped)
            {
                return;
            }

            CheckOverCurrent(next);
            ScheduleOverCurrentCheck();
        });
    }

    private void CheckOverCurrent(TimeSpan at)
    {
        bool overCurrent = false;
        if (_fault is not (Bl0942Fault.Silent or Bl0942Fault.Stuck) && (ReadRegister(Bl0942Register.OtFunx, at) & 0x3) == (uint)Bl0942PinFunction.OverCurrent)
        {
            overCurrent = FastRms(at) >> 8 >= ReadRegister(Bl0942Register.IFastRmsTh, at);
        }

        if (overCurrent != _overCurrent)
        {
            _overCurrent = overCurrent;
            _overCurrentPin!(overCurrent);
        }
    }
}
