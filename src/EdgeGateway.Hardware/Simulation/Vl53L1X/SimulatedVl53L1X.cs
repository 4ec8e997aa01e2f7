using System.Buffers.Binary;
using EdgeGateway.Hardware.Simulation.TimeOfFlight;

namespace EdgeGateway.Hardware.Simulation.Vl53L1X;

/// <summary>
/// An ST VL53L1X time-of-flight ranger at register level: a 16-bit register index (most significant byte first)
/// with auto-increment, the firmware boot state, the volatile I2C address, soft reset, the interrupt and its
/// polarity, and single-shot, back-to-back and timed ranging that sample an <see cref="IRangingTarget"/> in simulated
/// time. See README.md for what is and is not modelled.
/// </summary>
/// <remarks>
/// <para>
/// References: datasheet DS12385 (model id, boot time, ranges per distance mode), ST's VL53L1 register map
/// (<c>vl53l1_register_map.h</c>: register fields and power-on values), and the ultra-lite driver ULD (STSW-IMG009,
/// UM2510), whose register usage the dotnet/iot binding follows.
/// </para>
/// <para>
/// Ranging: a measurement lasts the timing budget selected by RANGE_CONFIG__TIMEOUT_MACROP_A (the ULD's
/// register values for 15-500 ms; other values count as 100 ms), samples the target at its start, and at its end
/// latches range status and range into the result block at 0089h and raises the interrupt. In the timed mode (the
/// one the ULD uses) measurements start one inter-measurement period apart, never closer than the budget. A result
/// is held until the host clears the interrupt; measurements that complete while it is held are dropped.
/// </para>
/// </remarks>
public sealed class SimulatedVl53L1X : SimulatedTimeOfFlightChip
{
    /// <summary>The address every VL53L1X boots at (0x52 in 8-bit form, DS12385).</summary>
    public const int DefaultAddress = 0x29;

    /// <summary>IDENTIFICATION__MODEL_ID and MODULE_TYPE read as one word (the ULD's VL53L1X_GetSensorId).</summary>
    public const ushort SensorId = 0xEACC;

    /// <summary>Long distance mode: up to 4 m (DS12385; dark, white target, 200 ms budget).</summary>
    public const double LongModeMaximumMm = 4000;

    /// <summary>Short distance mode: up to 1.3 m (DS12385, UM2510).</summary>
    public const double ShortModeMaximumMm = 1300;

    /// <summary>VL53L1_DEVICEERROR_RANGECOMPLETE: a valid range (the ULD's status 0).</summary>
    public const byte RangeCompleteStatus = 9;

    /// <summary>VL53L1_DEVICEERROR_MSRCNOTARGET: no target (the ULD's status 2, "signal failure").</summary>
    public const byte NoTargetStatus = 4;

    /// <summary>Firmware boot time after power-up or soft reset release (DS12385: 1.2 ms).</summary>
    public static readonly TimeSpan BootTime = TimeSpan.FromMicroseconds(1200);

    private const int RegisterSpace = 0x10000;
    private const byte ShortModePhasecalTimeout = 0x14;
    private const double IntermeasurementTicksPerOscMs = 1.075; // ULD VL53L1X_SetInterMeasurementInMs

    // RESULT__OSC_CALIBRATE_VAL: 37 makes the ULD's default inter-measurement period (0F89h) the 100 ms its
    // documentation states (37 × 100 × 1.075 = 3977).
    private const ushort OscCalibrateValue = 37;

    // Nominal result-block values (signal physics is not modelled): 16.0 effective SPADs (8.8), 10 MCPS (9.7).
    private const ushort NominalEffectiveSpads = 16 << 8;
    private const ushort NominalSignalRate = 10 << 7;

    private readonly IRangingTarget _target;
    private readonly SimulatedClock _clock;
    private readonly byte[] _registers = new byte[RegisterSpace];

    private ushort _index;
    private TimeSpan _bootedAt;
    private bool _inSoftReset;

    // Ranging, in simulated time.
    private RangingMode _mode;
    private TimeSpan _duration;
    private TimeSpan _period;
    private TimeSpan _nextEnd;
    private bool _interruptPending;

    public SimulatedVl53L1X(IRangingTarget target, SimulatedClock clock, int address = DefaultAddress)
        : base(address)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(clock);
        _target = target;
        _clock = clock;

        // Power is applied when the chip is created: the firmware boots from now.
        PowerOn(clock.Elapsed);

        // A chip created at another address stands for one the gateway has already moved (XSHUT sequencing).
        AddressUnderGate = address;
        _registers[(ushort)Vl53L1XRegister.I2cSlaveDeviceAddress] = (byte)address;
    }

    private enum RangingMode
    {
        Idle,
        SingleShot,
        Continuous,
    }

    /// <summary>
    /// Two index bytes (most significant first), then data written to consecutive registers. A write of one byte
    /// carries half an index and changes nothing.
    /// </summary>
    protected internal override void Write(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            return;
        }

        lock (Gate)
        {
            Update(_clock.Elapsed);
            _index = BinaryPrimitives.ReadUInt16BigEndian(data);
            foreach (byte value in data[2..])
            {
                WriteRegister(_index, value);
                _index++;
            }
        }
    }

    protected internal override void Read(Span<byte> buffer)
    {
        lock (Gate)
        {
            Update(_clock.Elapsed);
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = ReadRegister(_index);
                _index++;
            }
        }
    }

    private void PowerOn(TimeSpan now)
    {
        Array.Clear(_registers);
        _index = 0;
        AddressUnderGate = DefaultAddress;
        _bootedAt = now + BootTime;
        _inSoftReset = false;
        _mode = RangingMode.Idle;
        _interruptPending = false;

        // Register-map power-on values of the registers the ULD reads, and the NVM-loaded identification.
        _registers[(ushort)Vl53L1XRegister.SoftReset] = 0x01;
        _registers[(ushort)Vl53L1XRegister.I2cSlaveDeviceAddress] = DefaultAddress;
        _registers[(ushort)Vl53L1XRegister.GpioHvMuxCtrl] = 0x11;
        _registers[(ushort)Vl53L1XRegister.GpioTioHvStatus] = 0x02;
        _registers[(ushort)Vl53L1XRegister.IdentificationModelId] = SensorId >> 8;
        _registers[(ushort)Vl53L1XRegister.IdentificationModuleType] = SensorId & 0xFF;
        _registers[(ushort)Vl53L1XRegister.IdentificationRevisionId] = 0x10;
        _registers[(ushort)Vl53L1XRegister.RoiConfigModeRoiCentreSpad] = 0xC7;
        BinaryPrimitives.WriteUInt16BigEndian(_registers.AsSpan((ushort)Vl53L1XRegister.ResultOscCalibrateVal), OscCalibrateValue);
    }

    private bool Booted => !_inSoftReset && _clock.Elapsed >= _bootedAt;

    private byte ReadRegister(ushort index)
    {
        switch ((Vl53L1XRegister)index)
        {
            case Vl53L1XRegister.FirmwareSystemStatus:
                // 00h until the firmware is up (the ULD polls for non-zero), then firmware_bootup with
                // firmware_first_range as the register map's default has it.
                return Booted ? (byte)0x03 : (byte)0x00;
            case Vl53L1XRegister.GpioTioHvStatus:
                // Bit 0 is the GPIO1 level: the interrupt asserted at the programmed polarity (the ULD's
                // VL53L1X_CheckForDataReady compares it with the polarity). Bit 1 keeps what was written.
                bool activeHigh = (_registers[(ushort)Vl53L1XRegister.GpioHvMuxCtrl] & 0x10) == 0;
                bool level = _interruptPending == activeHigh;
                return (byte)((_registers[index] & 0x02) | (level ? 0x01 : 0x00));
            default:
                return _registers[index];
        }
    }

    private void WriteRegister(ushort index, byte value)
    {
        switch ((Vl53L1XRegister)index)
        {
            case Vl53L1XRegister.SoftReset:
                SoftReset(value);
                break;
            case Vl53L1XRegister.I2cSlaveDeviceAddress:
                // Takes effect from the next transaction.
                _registers[index] = (byte)(value & 0x7F);
                AddressUnderGate = value & 0x7F;
                break;
            case Vl53L1XRegister.GpioTioHvStatus:
                // Only fresh_out_of_reset is writable; the GPIO level is the chip's.
                _registers[index] = (byte)(value & 0x02);
                break;
            case Vl53L1XRegister.SystemInterruptClear:
                _registers[index] = value;
                if ((value & 0x01) != 0)
                {
                    _interruptPending = false;
                }

                break;
            case Vl53L1XRegister.SystemModeStart:
                _registers[index] = value;
                StartOrStop(value);
                break;
            case >= Vl53L1XRegister.ResultInterruptStatus and <= (Vl53L1XRegister)0x00B3:
            case Vl53L1XRegister.ResultOscCalibrateVal:
            case (Vl53L1XRegister)0x00DF:
            case Vl53L1XRegister.FirmwareSystemStatus:
            case >= Vl53L1XRegister.IdentificationModelId and <= Vl53L1XRegister.IdentificationRevisionId:
                // Results, status and identification are read-only.
                break;
            default:
                _registers[index] = value;
                break;
        }
    }

    private void SoftReset(byte value)
    {
        if ((value & 0x01) == 0)
        {
            _inSoftReset = true;
            _mode = RangingMode.Idle;
            _registers[(ushort)Vl53L1XRegister.SoftReset] = value;
            return;
        }

        if (_inSoftReset)
        {
            // Released: the firmware reboots and reloads its NVM-managed registers, the I2C address among them.
            PowerOn(_clock.Elapsed);
        }
    }

    private void StartOrStop(byte value)
    {
        TimeSpan now = _clock.Elapsed;
        if ((value & 0x80) != 0 || (value & 0x70) == 0)
        {
            // Abort, or stop (00h): ranging ends; a measurement under way is abandoned.
            _mode = RangingMode.Idle;
            return;
        }

        if (!Booted)
        {
            // The firmware that would range is not running yet.
            return;
        }

        _duration = TimingBudget();
        if ((value & 0x40) != 0)
        {
            _mode = RangingMode.Continuous;
            _period = Max(InterMeasurementPeriod(), _duration);
        }
        else if ((value & 0x20) != 0)
        {
            _mode = RangingMode.Continuous;
            _period = _duration;
        }
        else
        {
            _mode = RangingMode.SingleShot;
        }

        _nextEnd = now + _duration;
    }

    /// <summary>Completes, at their end times, the measurements that have ended by <paramref name="now"/>.</summary>
    private void Update(TimeSpan now)
    {
        if (_mode == RangingMode.Idle || now < _nextEnd)
        {
            return;
        }

        if (!_interruptPending)
        {
            Latch(_nextEnd - _duration);
            _interruptPending = true;
        }

        if (_mode == RangingMode.SingleShot)
        {
            _mode = RangingMode.Idle;
            return;
        }

        // Continuous: the measurements that ended while the result was held are dropped.
        long missed = (now - _nextEnd).Ticks / _period.Ticks;
        _nextEnd += TimeSpan.FromTicks((missed + 1) * _period.Ticks);
    }

    /// <summary>Writes one measurement, sampled at <paramref name="at"/>, into the result block.</summary>
    private void Latch(TimeSpan at)
    {
        if (StuckUnderGate)
        {
            return;
        }

        RangeEcho echo = _target.Echo(at);
        Span<byte> block = _registers.AsSpan((ushort)Vl53L1XRegister.ResultInterruptStatus, 0x12);
        block.Clear();
        Span<byte> status = _registers.AsSpan((ushort)Vl53L1XRegister.ResultRangeStatus, 1);
        if (!echo.Returned || !(echo.DistanceMm <= MaximumRangeMm()))
        {
            // Nothing in reach (NaN included): no target, range 0, no signal.
            status[0] = NoTargetStatus;
            return;
        }

        // ALGO__PART_TO_PART_RANGE_OFFSET_MM (11.2 fixed point, signed) is added to the range: the ULD's offset
        // calibration writes (target − measured) × 4 there.
        double offsetMm = (short)BinaryPrimitives.ReadUInt16BigEndian(_registers.AsSpan((ushort)Vl53L1XRegister.AlgoPartToPartRangeOffsetMm)) / 4.0;
        double mm = Math.Round(Math.Max(0, echo.DistanceMm) + offsetMm, MidpointRounding.AwayFromZero);
        status[0] = RangeCompleteStatus;
        Write16(Vl53L1XRegister.ResultDssActualEffectiveSpadsSd0, NominalEffectiveSpads);
        Write16(Vl53L1XRegister.ResultPeakSignalCountRateMcpsSd0, NominalSignalRate);
        Write16(Vl53L1XRegister.ResultFinalCrosstalkCorrectedRangeMmSd0, (ushort)Math.Clamp(mm, 0, ushort.MaxValue));
        Write16(Vl53L1XRegister.ResultPeakSignalCountRateCrosstalkCorrectedMcpsSd0, NominalSignalRate);
    }

    private double MaximumRangeMm() =>
        _registers[(ushort)Vl53L1XRegister.PhasecalConfigTimeoutMacrop] == ShortModePhasecalTimeout ? ShortModeMaximumMm : LongModeMaximumMm;

    /// <summary>The timing budget the ULD's RANGE_CONFIG__TIMEOUT_MACROP_A values select (short and long mode tables).</summary>
    private TimeSpan TimingBudget()
    {
        int milliseconds = BinaryPrimitives.ReadUInt16BigEndian(_registers.AsSpan((ushort)Vl53L1XRegister.RangeConfigTimeoutMacropAHi)) switch
        {
            0x001D => 15,
            0x0051 or 0x001E => 20,
            0x00D6 or 0x0060 => 33,
            0x01AE or 0x00AD => 50,
            0x02E1 or 0x01CC => 100,
            0x03E1 or 0x02D9 => 200,
            0x0591 or 0x048F => 500,
            _ => 100,
        };
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    /// <summary>SYSTEM__INTERMEASUREMENT_PERIOD / (OSC_CALIBRATE_VAL × 1.075) ms, the inverse of the ULD's setter.</summary>
    private TimeSpan InterMeasurementPeriod()
    {
        uint ticks = BinaryPrimitives.ReadUInt32BigEndian(_registers.AsSpan((ushort)Vl53L1XRegister.SystemIntermeasurementPeriod));
        int osc = BinaryPrimitives.ReadUInt16BigEndian(_registers.AsSpan((ushort)Vl53L1XRegister.ResultOscCalibrateVal)) & 0x3FF;
        return osc == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(ticks / (osc * IntermeasurementTicksPerOscMs));
    }

    private void Write16(Vl53L1XRegister register, ushort value) =>
        BinaryPrimitives.WriteUInt16BigEndian(_registers.AsSpan((ushort)register), value);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
