using System.Buffers.Binary;
using EdgeGateway.Hardware.Simulation.I2c;

namespace EdgeGateway.Hardware.Simulation.Ina219;

/// <summary>
/// A TI INA219 current/power monitor (datasheet SBOS448G) at register level: a register pointer and the six
/// registers of section 8.6, with the conversions sampling an <see cref="IDcFrontEnd"/> in simulated time.
/// </summary>
/// <remarks>
/// <para>
/// Bus protocol (section 8.5.6): the first byte of every write sets the register pointer; a write of one byte only
/// sets the pointer; a write of three bytes writes the 16-bit value, most significant byte first, to the pointed
/// register. A read returns the pointed register, MSB first; the pointer does not auto-increment, so further bytes
/// repeat the same register.
/// </para>
/// <para>
/// Conversions (section 8.4 and Tables 4-7 of section 8.6.2.1): in a continuous mode, reading a data register
/// (01h-04h) returns a conversion of the inputs at the simulated instant of the read; CNVR is set once a full
/// conversion cycle (shunt and/or bus conversion times per SADC/BADC) has completed since it was last cleared. In a
/// triggered mode, a write of the Configuration register starts one conversion cycle, sampled at its end; the
/// registers keep their previous values until then. Power-down and ADC-off do not convert.
/// </para>
/// </remarks>
public sealed class SimulatedIna219 : SimulatedI2cChip
{
    private const ushort ConfigurationPor = 0x399F;
    private const ushort ResetBit = 0x8000;
    private const ushort ConfigurationWritableMask = 0x3FFF; // bit 15 RST self-clears, bit 14 is unused
    private const ushort BrngBit = 0x2000;
    private const int PgShift = 11;
    private const int BadcShift = 7;
    private const int SadcShift = 3;
    private const ushort CnvrBit = 0x0002;
    private const ushort OvfBit = 0x0001;
    private const double ShuntLsbVolts = 10e-6;
    private const double BusLsbVolts = 4e-3;

    private readonly Lock _gate = new();
    private readonly IDcFrontEnd _inputs;
    private readonly SimulatedClock _clock;

    private byte _pointer;
    private ushort _configuration = ConfigurationPor;
    private short _shuntVoltage;
    private int _busVoltageCode; // BD12..BD0
    private ushort _power;
    private short _current;
    private ushort _calibration;
    private bool _overflow;
    private bool _shuntClipped;

    // Conversion timing, in simulated time.
    private TimeSpan _cycleStart;
    private TimeSpan _cnvrClearedAt;
    private bool _triggerPending;
    private bool _cnvr;

    private bool _stuck;

    public SimulatedIna219(int address, IDcFrontEnd inputs, SimulatedClock clock)
        : base(address)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(clock);
        _inputs = inputs;
        _clock = clock;
        _cycleStart = clock.Elapsed;
        _cnvrClearedAt = _cycleStart;
    }

    /// <summary>
    /// Fault: every register frozen at its current value. Conversions stop and register writes are ignored; the
    /// I2C interface still acknowledges and the pointer still moves.
    /// </summary>
    public bool Stuck
    {
        get
        {
            lock (_gate)
            {
                return _stuck;
            }
        }

        set
        {
            lock (_gate)
            {
                _stuck = value;
            }
        }
    }

    protected internal override void Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            _pointer = data[0];
            if (data.Length < 3 || _stuck)
            {
                // A pointer write, or a data word cut short before its second byte: no register changes.
                return;
            }

            ushort value = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(1, 2));
            switch ((Ina219Register)_pointer)
            {
                case Ina219Register.Configuration:
                    WriteConfiguration(value);
                    break;
                case Ina219Register.Calibration:
                    // Section 8.6.4.1: FS0 is a void bit and always reads 0.
                    _calibration = (ushort)(value & 0xFFFE);
                    break;
                default:
                    // 01h-04h are read-only; other pointers address nothing.
                    break;
            }
        }
    }

    protected internal override void Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            ushort value = ReadRegister((Ina219Register)_pointer);
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = (i & 1) == 0 ? (byte)(value >> 8) : (byte)value;
            }
        }
    }

    private void WriteConfiguration(ushort value)
    {
        TimeSpan now = _clock.Elapsed;
        if ((value & ResetBit) != 0)
        {
            // Section 8.6.2.1, RST: same as power-on reset; all registers to default values; the bit self-clears.
            _configuration = ConfigurationPor;
            _shuntVoltage = 0;
            _busVoltageCode = 0;
            _power = 0;
            _current = 0;
            _calibration = 0;
            _overflow = false;
            _shuntClipped = false;
            _triggerPending = false;
            _cnvr = false;
            _cycleStart = now;
            _cnvrClearedAt = now;
            return;
        }

        _configuration = (ushort)(value & ConfigurationWritableMask);
        int mode = _configuration & 0x7;
        if (mode is 0 or 4)
        {
            // Power-down and ADC off: no conversions; CNVR keeps its state (section 8.6.3.2).
            _triggerPending = false;
            return;
        }

        // Section 8.6.3.2: writing a mode (other than power-down or disable) clears CNVR; a triggered mode starts
        // one conversion cycle; a continuous mode restarts the cycle.
        _cycleStart = now;
        _cnvrClearedAt = now;
        _triggerPending = mode < 4;
        _cnvr = false;
    }

    private ushort ReadRegister(Ina219Register register)
    {
        switch (register)
        {
            case Ina219Register.Configuration:
                return _configuration;
            case Ina219Register.Calibration:
                return _calibration;
            case Ina219Register.ShuntVoltage:
            case Ina219Register.BusVoltage:
            case Ina219Register.Power:
            case Ina219Register.Current:
                return ReadDataRegister(register);
            default:
                return 0;
        }
    }

    private ushort ReadDataRegister(Ina219Register register)
    {
        bool cnvr = false;
        if (!_stuck)
        {
            TimeSpan now = _clock.Elapsed;
            cnvr = UpdateConversions(now);
            if (register == Ina219Register.Power)
            {
                // Section 8.6.3.2: reading the Power register clears CNVR (the value read still shows it).
                _cnvrClearedAt = now;
                _cnvr = false;
            }
        }
        else
        {
            cnvr = _cnvr;
        }

        return register switch
        {
            Ina219Register.ShuntVoltage => (ushort)_shuntVoltage,
            Ina219Register.BusVoltage => (ushort)((_busVoltageCode << 3) | (cnvr ? CnvrBit : 0) | (_overflow ? OvfBit : 0)),
            Ina219Register.Power => _power,
            _ => (ushort)_current,
        };
    }

    /// <summary>Brings the data registers up to <paramref name="now"/> and says whether CNVR is set.</summary>
    private bool UpdateConversions(TimeSpan now)
    {
        int mode = _configuration & 0x7;
        bool shunt = (mode & 0x1) != 0;
        bool bus = (mode & 0x2) != 0;
        TimeSpan cycle = (shunt ? ConversionTime(_configuration >> SadcShift) : TimeSpan.Zero)
            + (bus ? ConversionTime(_configuration >> BadcShift) : TimeSpan.Zero);

        if (mode is 0 or 4)
        {
            return false;
        }

        if (mode < 4)
        {
            // Triggered: one cycle from the trigger; sampled at its end, then held.
            TimeSpan done = _cycleStart + cycle;
            if (_triggerPending && now >= done)
            {
                Convert(done, shunt, bus);
                _triggerPending = false;
                _cnvr = true;
            }

            return _cnvr;
        }

        // Continuous: the registers show the inputs now; CNVR is set when a cycle boundary
        // (_cycleStart + k × cycle, k ≥ 1) has passed since CNVR was last cleared.
        Convert(now, shunt, bus);
        long cyclesNow = (now - _cycleStart).Ticks / cycle.Ticks;
        long cyclesAtClear = (_cnvrClearedAt - _cycleStart).Ticks / cycle.Ticks;
        _cnvr = cyclesNow > cyclesAtClear;
        return _cnvr;
    }

    private void Convert(TimeSpan at, bool shunt, bool bus)
    {
        DcInputs inputs = _inputs.Inputs(at);
        if (shunt)
        {
            // Section 8.6.3.1: full scale ±4000 × 2^PG counts of 10 µV (±40, 80, 160, 320 mV); beyond it the
            // reading clips at full scale.
            int fullScale = 4000 << ((_configuration >> PgShift) & 0x3);
            double counts = Math.Round(inputs.ShuntVolts / ShuntLsbVolts);
            _shuntClipped = !(Math.Abs(counts) <= fullScale); // NaN counts as out of range
            _shuntVoltage = (short)(double.IsNaN(counts) ? 0 : Math.Clamp(counts, -fullScale, fullScale));
        }

        if (bus)
        {
            // Section 8.6.3.2: LSB 4 mV, full scale 4000 (16 V range) or 8000 (32 V range); the input cannot go
            // below ground.
            int fullScale = (_configuration & BrngBit) != 0 ? 8000 : 4000;
            double code = Math.Round(inputs.BusVolts / BusLsbVolts);
            _busVoltageCode = double.IsNaN(code) ? 0 : (int)Math.Clamp(code, 0, fullScale);
        }

        // Section 8.5.1: Current = ShuntVoltage × Calibration / 4096, Power = Current × BusVoltage / 5000.
        // OVF (section 8.6.3.2) flags a current or power calculation out of range; a shunt reading clipped by the
        // PGA makes them meaningless as well, so it sets OVF too.
        long current = (long)_shuntVoltage * _calibration / 4096;
        bool overflow = _shuntClipped;
        if (current is > short.MaxValue or < short.MinValue)
        {
            overflow = true;
            current = Math.Clamp(current, short.MinValue, short.MaxValue);
        }

        long power = Math.Abs(current) * _busVoltageCode / 5000;
        if (power > ushort.MaxValue)
        {
            overflow = true;
            power = ushort.MaxValue;
        }

        _current = (short)current;
        _power = (ushort)power;
        _overflow = overflow;
    }

    /// <summary>Conversion time of one ADC setting (BADC or SADC field; section 8.6.2.1, Table 5).</summary>
    private static TimeSpan ConversionTime(int adcField)
    {
        int setting = adcField & 0xF;
        long microseconds = (setting & 0x8) == 0
            ? (setting & 0x3) switch
            {
                0 => 84, // 9 bit
                1 => 148, // 10 bit
                2 => 276, // 11 bit
                _ => 532, // 12 bit
            }
            : (setting & 0x7) switch
            {
                0 => 532, // 12 bit
                1 => 1_060, // 2 samples
                2 => 2_130,
                3 => 4_260,
                4 => 8_510,
                5 => 17_020,
                6 => 34_050,
                _ => 68_100, // 128 samples
            };
        return TimeSpan.FromMicroseconds(microseconds);
    }
}
