using System.Buffers.Binary;
using EdgeGateway.Hardware.Simulation.TimeOfFlight;

namespace EdgeGateway.Hardware.Simulation.Vl53L0X;

/// <summary>
/// An ST VL53L0X time-of-flight ranger at register level: an 8-bit register index with auto-increment, register
/// pages, the NVM read-out, soft reset, the volatile I2C address, and single-shot, back-to-back and timed ranging
/// that sample an <see cref="IRangingTarget"/> in simulated time. See README.md for what is and is not modelled.
/// </summary>
/// <remarks>
/// <para>
/// ST publishes no register map for the VL53L0X; its API (STSW-IMG005) is the reference, and the dotnet/iot binding
/// follows the API's register usage. The identification values are the datasheet's reference registers (DS11555):
/// C0h = EEh, C1h = AAh, C2h = 10h, 51h-52h = 0099h, 61h-62h = 0000h.
/// </para>
/// <para>
/// Bus protocol: the first byte of a write is the register index; further bytes are written to consecutive
/// indexes. A read returns consecutive registers from the index. The index keeps its value (plus what was
/// transferred) between transactions, so "write index, then read" works as two separate transactions.
/// </para>
/// <para>
/// Ranging: a measurement lasts the measurement timing budget the sequence registers describe (the API's
/// VL53L0X_get_measurement_timing_budget_micro_seconds arithmetic: start and end overheads plus each enabled step's
/// timeout and overhead), samples the target at its start, and at its end latches range status and range into the
/// result block at 14h and raises the "new sample ready" interrupt. A result is held until the host clears the
/// interrupt; measurements that complete while it is held are dropped.
/// </para>
/// </remarks>
public sealed class SimulatedVl53L0X : SimulatedTimeOfFlightChip
{
    /// <summary>The address every VL53L0X wakes up at (0x52 in 8-bit form, DS11555).</summary>
    public const int DefaultAddress = 0x29;

    /// <summary>The farthest a target is seen in the long-range profile (final VCSEL period 14 PCLKs, DS11555 ranging profiles).</summary>
    public const double LongRangeMaximumMm = 2000;

    /// <summary>The farthest a target is seen with the default profile (final VCSEL period 10 PCLKs, DS11555 ranging profiles).</summary>
    public const double DefaultMaximumRangeMm = 1200;

    /// <summary>The range register's value when nothing came back (the binding's OperationRange.OutOfRange).</summary>
    public const ushort NoTargetRange = 8190;

    /// <summary>VL53L0X_DEVICEERROR_RANGECOMPLETE: a valid range.</summary>
    public const byte RangeCompleteStatus = 11;

    /// <summary>VL53L0X_DEVICEERROR_RANGEPHASECHECK: no target in the phase window (the API's "phase fail").</summary>
    public const byte NoTargetStatus = 6;

    private const int PageSize = 256;
    private const byte StopVariableValue = 0x3C;
    private const byte NewSampleReady = 0x04;

    // Sequence step enables (SYSTEM_SEQUENCE_CONFIG).
    private const int StepMsrc = 0x04;
    private const int StepDss = 0x08;
    private const int StepTcc = 0x10;
    private const int StepPreRange = 0x40;
    private const int StepFinalRange = 0x80;

    // Overheads of VL53L0X_get_measurement_timing_budget_micro_seconds, microseconds.
    private const long StartOverheadUs = 1910;
    private const long EndOverheadUs = 960;
    private const long MsrcOverheadUs = 660;
    private const long TccOverheadUs = 590;
    private const long DssOverheadUs = 690;
    private const long PreRangeOverheadUs = 660;
    private const long FinalRangeOverheadUs = 550;

    // Nominal result-block values (signal physics is not modelled): 10.0 effective SPADs (8.8), 10 MCPS (9.7).
    private const ushort NominalEffectiveSpads = 10 << 8;
    private const ushort NominalSignalRate = 10 << 7;

    private static readonly Dictionary<byte, uint> Nvm = BuildNvm();

    private readonly IRangingTarget _target;
    private readonly SimulatedClock _clock;
    private readonly Dictionary<byte, byte[]> _pages = [];

    private byte[] _page0 = new byte[PageSize];
    private byte _index;
    private byte _page;
    private bool _inSoftReset;

    // Ranging, in simulated time.
    private RangingMode _mode;
    private bool _calibrationRun;
    private TimeSpan _duration;
    private TimeSpan _period;
    private TimeSpan _nextEnd;
    private bool _resultHeld;

    public SimulatedVl53L0X(IRangingTarget target, SimulatedClock clock, int address = DefaultAddress)
        : base(address)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(clock);
        _target = target;
        _clock = clock;
        PowerOn();

        // A chip created at another address stands for one the gateway has already moved (XSHUT sequencing).
        AddressUnderGate = address;
        _page0[(byte)Vl53L0XRegister.I2cSlaveDeviceAddress] = (byte)address;
    }

    private enum RangingMode
    {
        Idle,
        SingleShot,
        Continuous,
    }

    protected internal override void Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (Gate)
        {
            Update(_clock.Elapsed);
            _index = data[0];
            foreach (byte value in data[1..])
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

    private byte[] Page(byte page)
    {
        if (page == 0)
        {
            return _page0;
        }

        if (!_pages.TryGetValue(page, out byte[]? registers))
        {
            registers = new byte[PageSize];
            _pages[page] = registers;
        }

        return registers;
    }

    private void PowerOn()
    {
        _pages.Clear();
        _page0 = new byte[PageSize];
        _index = 0;
        _page = 0;
        _inSoftReset = false;
        _mode = RangingMode.Idle;
        _resultHeld = false;
        AddressUnderGate = DefaultAddress;

        // DS11555 reference registers.
        _page0[(byte)Vl53L0XRegister.IdentificationModelId] = 0xEE;
        _page0[(byte)Vl53L0XRegister.IdentificationModuleType] = 0xAA;
        _page0[(byte)Vl53L0XRegister.IdentificationRevisionId] = 0x10;
        BinaryPrimitives.WriteUInt16BigEndian(_page0.AsSpan((byte)Vl53L0XRegister.PreRangeConfigTimeoutMacropHi), 0x0099);
        BinaryPrimitives.WriteUInt16BigEndian(_page0.AsSpan((byte)Vl53L0XRegister.PreRangeConfigSigmaThreshHi), 0x0000);

        _page0[(byte)Vl53L0XRegister.SoftResetGo2SoftResetN] = 0x01;
        _page0[(byte)Vl53L0XRegister.I2cSlaveDeviceAddress] = DefaultAddress;

        // The reference SPAD map the API reads before choosing which SPADs to enable: all good SPADs.
        _page0.AsSpan((byte)Vl53L0XRegister.GlobalConfigSpadEnablesRef0, 6).Fill(0xFF);

        Page(1)[(byte)Vl53L0XRegister.StopVariable] = StopVariableValue;
    }

    private byte ReadRegister(byte index)
    {
        if (index == (byte)Vl53L0XRegister.PageSelect)
        {
            return _page;
        }

        if (_page != 0)
        {
            return Page(_page)[index];
        }

        return (Vl53L0XRegister)index switch
        {
            // Held in soft reset, the core's identification reads 0 (the API's ResetDevice polls for it).
            Vl53L0XRegister.IdentificationModelId when _inSoftReset => 0x00,
            Vl53L0XRegister.ResultInterruptStatus => _resultHeld ? NewSampleReady : (byte)0,
            _ => _page0[index],
        };
    }

    private void WriteRegister(byte index, byte value)
    {
        if (index == (byte)Vl53L0XRegister.PageSelect)
        {
            _page = value;
            return;
        }

        if (_page != 0)
        {
            WritePagedRegister(index, value);
            return;
        }

        switch ((Vl53L0XRegister)index)
        {
            case Vl53L0XRegister.SysRangeStart:
                StartOrStop(value);
                break;
            case Vl53L0XRegister.SystemInterruptClear:
                _page0[index] = value;
                if ((value & 0x01) != 0)
                {
                    _resultHeld = false;
                }

                break;
            case Vl53L0XRegister.I2cSlaveDeviceAddress:
                // Takes effect from the next transaction.
                _page0[index] = (byte)(value & 0x7F);
                AddressUnderGate = value & 0x7F;
                break;
            case Vl53L0XRegister.SoftResetGo2SoftResetN:
                SoftReset(value);
                break;
            case Vl53L0XRegister.ResultInterruptStatus:
            case >= Vl53L0XRegister.ResultRangeStatus and <= (Vl53L0XRegister)0x1F:
            case >= Vl53L0XRegister.IdentificationModelId and <= Vl53L0XRegister.IdentificationRevisionId:
            case Vl53L0XRegister.OscCalibrateVal:
            case (Vl53L0XRegister)0xF9:
                // Read-only.
                break;
            default:
                _page0[index] = value;
                break;
        }
    }

    private void WritePagedRegister(byte index, byte value)
    {
        byte[] registers = Page(_page);
        if (_page == 7 && index == (byte)Vl53L0XRegister.NvmStrobe && value == 0x00)
        {
            // NVM read-out (the API's VL53L0X_device_read_strobe): writing 00h starts reading the word at 94h
            // into 90h-93h; the strobe register reads non-zero once the word is there. The simulated NVM answers
            // within the transaction.
            uint word = Nvm.GetValueOrDefault(registers[(byte)Vl53L0XRegister.NvmAddress]);
            BinaryPrimitives.WriteUInt32BigEndian(registers.AsSpan((byte)Vl53L0XRegister.NvmData, 4), word);
            registers[index] = 0x01;
            return;
        }

        registers[index] = value;
    }

    private void SoftReset(byte value)
    {
        if ((value & 0x01) == 0)
        {
            // Held in reset: the core stops.
            _inSoftReset = true;
            _mode = RangingMode.Idle;
            _page0[(byte)Vl53L0XRegister.SoftResetGo2SoftResetN] = value;
            return;
        }

        if (_inSoftReset)
        {
            // Released: the core boots as at power-on, address included (dotnet/iot#1540: a soft reset in the
            // binding's constructor moved sensors back to 0x29).
            PowerOn();
        }
    }

    private void StartOrStop(byte value)
    {
        TimeSpan now = _clock.Elapsed;

        // Bit 0 self-clears once the ranging has started (the API waits for it before polling for the result).
        _page0[(byte)Vl53L0XRegister.SysRangeStart] = (byte)(value & 0xFE);
        if (_inSoftReset)
        {
            return;
        }

        if ((value & 0x06) != 0)
        {
            // 02h back-to-back: one measurement after the other. 04h timed: one per inter-measurement period.
            _duration = MeasurementDuration();
            _period = (value & 0x02) != 0 ? _duration : Max(InterMeasurementPeriod(), _duration);
            _mode = RangingMode.Continuous;
            _calibrationRun = false;
            _nextEnd = now + _duration;
            _page0[(byte)Vl53L0XRegister.ResultRangeStatus] &= 0xFE;
        }
        else if ((value & 0x01) != 0)
        {
            // Single shot; with only VHV (bit 0) and/or phase calibration (bit 1) enabled in SYSTEM_SEQUENCE_CONFIG
            // it is a reference calibration (the 40h bit selects VHV): it raises the interrupt but ranges nothing.
            _duration = MeasurementDuration();
            _mode = RangingMode.SingleShot;
            _calibrationRun = (_page0[(byte)Vl53L0XRegister.SystemSequenceConfig] & (StepPreRange | StepFinalRange)) == 0;
            _nextEnd = now + _duration;
            _page0[(byte)Vl53L0XRegister.ResultRangeStatus] &= 0xFE;
        }
        else if (_mode == RangingMode.Continuous)
        {
            // 00h stops continuous ranging; the measurement under way is abandoned.
            _mode = RangingMode.Idle;
        }
    }

    /// <summary>Completes, at their end times, the measurements that have ended by <paramref name="now"/>.</summary>
    private void Update(TimeSpan now)
    {
        if (_mode == RangingMode.Idle || now < _nextEnd)
        {
            return;
        }

        if (!_resultHeld)
        {
            if (!_calibrationRun)
            {
                Latch(_nextEnd - _duration);
            }

            _page0[(byte)Vl53L0XRegister.ResultRangeStatus] |= 0x01;
            _resultHeld = true;
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
        Span<byte> block = _page0.AsSpan((byte)Vl53L0XRegister.ResultRangeStatus, 12);
        byte dataReady = (byte)(block[0] & 0x01);
        block.Clear();
        if (!echo.Returned || !(echo.DistanceMm <= MaximumRangeMm()))
        {
            // Nothing in reach (NaN included): phase check fails, and the range reads 8190.
            block[0] = (byte)((NoTargetStatus << 3) | dataReady);
            BinaryPrimitives.WriteUInt16BigEndian(block[10..], NoTargetRange);
            return;
        }

        double mm = Math.Max(0, echo.DistanceMm);
        bool fractional = (_page0[(byte)Vl53L0XRegister.SystemRangeConfig] & 0x01) != 0;

        // API (VL53L0X_GetRangingMeasurementData): with SYSTEM_RANGE_CONFIG bit 0 set the range is 11.2 fixed point.
        double raw = Math.Round(fractional ? mm * 4 : mm, MidpointRounding.AwayFromZero);
        block[0] = (byte)((RangeCompleteStatus << 3) | dataReady);
        BinaryPrimitives.WriteUInt16BigEndian(block[2..], NominalEffectiveSpads);
        BinaryPrimitives.WriteUInt16BigEndian(block[6..], NominalSignalRate);
        BinaryPrimitives.WriteUInt16BigEndian(block[10..], (ushort)Math.Min(raw, NoTargetRange - 1));
    }

    private double MaximumRangeMm() =>
        DecodeVcselPeriod(_page0[(byte)Vl53L0XRegister.FinalRangeConfigVcselPeriod]) >= 14 ? LongRangeMaximumMm : DefaultMaximumRangeMm;

    /// <summary>
    /// The measurement timing budget the sequence registers describe, by the arithmetic of the API's
    /// VL53L0X_get_measurement_timing_budget_micro_seconds: macro period = 2304 VCSEL periods of 1.655 ns PLL clock;
    /// timeouts encoded (LSB × 2^MSB) + 1 macro periods; the final-range timeout includes the pre-range one.
    /// </summary>
    private TimeSpan MeasurementDuration()
    {
        int sequence = _page0[(byte)Vl53L0XRegister.SystemSequenceConfig];
        long preMacroNs = MacroPeriodNs(DecodeVcselPeriod(_page0[(byte)Vl53L0XRegister.PreRangeConfigVcselPeriod]));
        long finalMacroNs = MacroPeriodNs(DecodeVcselPeriod(_page0[(byte)Vl53L0XRegister.FinalRangeConfigVcselPeriod]));
        long msrcUs = MclksToUs(_page0[(byte)Vl53L0XRegister.MsrcConfigTimeoutMacrop] + 1L, preMacroNs);
        long preMclks = DecodeTimeout(Read16((byte)Vl53L0XRegister.PreRangeConfigTimeoutMacropHi));
        long finalMclks = DecodeTimeout(Read16((byte)Vl53L0XRegister.FinalRangeConfigTimeoutMacropHi));
        if ((sequence & StepPreRange) != 0)
        {
            finalMclks = Math.Max(0, finalMclks - preMclks);
        }

        long us = StartOverheadUs + EndOverheadUs;
        if ((sequence & StepTcc) != 0)
        {
            us += msrcUs + TccOverheadUs;
        }

        if ((sequence & StepDss) != 0)
        {
            us += 2 * (msrcUs + DssOverheadUs);
        }
        else if ((sequence & StepMsrc) != 0)
        {
            us += msrcUs + MsrcOverheadUs;
        }

        if ((sequence & StepPreRange) != 0)
        {
            us += MclksToUs(preMclks, preMacroNs) + PreRangeOverheadUs;
        }

        if ((sequence & StepFinalRange) != 0)
        {
            us += MclksToUs(finalMclks, finalMacroNs) + FinalRangeOverheadUs;
        }

        return TimeSpan.FromMicroseconds(us);
    }

    /// <summary>SYSTEM_INTERMEASUREMENT_PERIOD in OSC_CALIBRATE_VAL ticks per ms (in ms when that reads 0, as the API assumes).</summary>
    private TimeSpan InterMeasurementPeriod()
    {
        uint ticks = BinaryPrimitives.ReadUInt32BigEndian(_page0.AsSpan((byte)Vl53L0XRegister.SystemIntermeasurementPeriod, 4));
        ushort perMs = Read16((byte)Vl53L0XRegister.OscCalibrateVal);
        return TimeSpan.FromMilliseconds(perMs == 0 ? ticks : (double)ticks / perMs);
    }

    private ushort Read16(byte index) => BinaryPrimitives.ReadUInt16BigEndian(_page0.AsSpan(index, 2));

    private static int DecodeVcselPeriod(byte encoded) => (encoded + 1) << 1;

    private static long MacroPeriodNs(int vcselPclks) => ((2304L * vcselPclks * 1655) + 500) / 1000;

    private static long MclksToUs(long mclks, long macroPeriodNs) => ((mclks * macroPeriodNs) + (macroPeriodNs / 2)) / 1000;

    private static long DecodeTimeout(ushort encoded) => ((long)(encoded & 0xFF) << (encoded >> 8)) + 1;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// The NVM words the API reads through the page-7 strobe. Values are plausible, not a real part's: module id 1,
    /// part UID 01234567h/89ABCDEFh, 5 aperture reference SPADs, the factory calibration distance 400 mm in 12.4
    /// fixed point, and the product id packed 7 bits a character over words 77h-7Ah.
    /// </summary>
    private static Dictionary<byte, uint> BuildNvm()
    {
        var nvm = new Dictionary<byte, uint>
        {
            [0x02] = 0x01u << 24, // module id: the byte at 90h
            [0x6B] = ((1u << 7) | 5) << 8, // reference SPADs at 92h: bit 7 aperture, bits 6:0 count
            [0x73] = 0, // signal rate measured at 400 mm: not characterised
            [0x74] = 0,
            [0x75] = 400 << 4 >> 8, // distance of the factory measurement, 12.4 fixed point: high byte in bits 7:0
            [0x76] = (uint)((400 << 4) & 0xFF) << 24, // low byte in bits 31:24
            [0x7B] = 0x01234567,
            [0x7C] = 0x89ABCDEF,
        };

        const string ProductId = "VL53L0CBV0DH/1$1";
        UInt128 packed = 0;
        for (int i = 0; i < ProductId.Length; i++)
        {
            packed |= (UInt128)(ProductId[i] & 0x7Fu) << (121 - (7 * i));
        }

        for (int word = 0; word < 4; word++)
        {
            nvm[(byte)(0x77 + word)] = (uint)(packed >> (96 - (32 * word)));
        }

        return nvm;
    }
}
