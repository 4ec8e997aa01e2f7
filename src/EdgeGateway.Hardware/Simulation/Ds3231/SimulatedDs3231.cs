using System.Globalization;
using EdgeGateway.Hardware.Simulation.I2c;

namespace EdgeGateway.Hardware.Simulation.Ds3231;

/// <summary>
/// A Maxim DS3231 real-time clock (datasheet 19-5170) at register level: an address pointer and the 19 registers of
/// Figure 1, its time counting on the <see cref="SimulatedClock"/>.
/// </summary>
/// <remarks>
/// <para>
/// Bus protocol ("I2C Serial Data Bus"): the first byte of a write sets the register pointer and the following bytes
/// are written from there; a read returns bytes from the pointer. The pointer increments after each byte and wraps from
/// 12h to 00h. The time registers are read from a copy taken when the read begins (the datasheet's secondary buffer), so
/// a multi-byte read never sees a rollover half done.
/// </para>
/// <para>
/// Time registers 00h-06h are BCD, 24-hour (the 12/24 bit of 02h is not modelled and masked off), with the century bit
/// (bit 7 of 05h) set for 2000-2099 as the dotnet/iot binding writes and reads it; day of week (03h) counts 1-7 with the
/// date. Writing the seconds register restarts the countdown chain: the next second ticks one second after the write.
/// Status register 0Fh: OSF (bit 7) is set at power-on and whenever the oscillator stopped (backup power lost), and is
/// cleared only by writing 0 to it; A2F/A1F likewise can only be cleared; BSY is read-only. Control 0Eh powers on as 1Ch,
/// status as 88h, temperature as 25.00 °C.
/// </para>
/// </remarks>
public sealed class SimulatedDs3231 : SimulatedI2cChip
{
    public const int DefaultAddress = 0x68;

    private const int RegisterCount = 0x13;
    private const byte OscillatorStopFlag = 0x80;
    private const byte StatusClearOnlyBits = OscillatorStopFlag | 0x03; // OSF, A2F, A1F
    private const byte StatusBusy = 0x04;

    private readonly Lock _gate = new();
    private readonly SimulatedClock _clock;
    private readonly byte[] _registers = new byte[RegisterCount];
    private byte _pointer;

    /// <summary>The time the registers held at <see cref="_since"/>; null while they hold no valid date.</summary>
    private DateTime? _time;

    /// <summary>Simulated time when <see cref="_time"/> was last set (the countdown chain's phase).</summary>
    private TimeSpan _since;

    /// <param name="clock">The simulated clock the oscillator counts on.</param>
    /// <param name="keeping">The time (UTC) the chip kept on its backup battery, or null for a chip that lost it: OSF set, the power-on registers 01/01/00 with century 0 (read as 1900-01-01 by the binding).</param>
    /// <param name="address">0x68, fixed on the DS3231.</param>
    public SimulatedDs3231(SimulatedClock clock, DateTime? keeping, int address = DefaultAddress)
        : base(address)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _registers[(int)Ds3231Register.Control] = 0x1C;
        _registers[(int)Ds3231Register.TemperatureMsb] = 25;
        if (keeping is { } kept)
        {
            _registers[(int)Ds3231Register.ControlStatus] = 0x08;
            SetTime(kept);
        }
        else
        {
            LoseBackupPower();
        }
    }

    /// <summary>The time the chip counts now, or null when its registers hold no valid date.</summary>
    public DateTime? Now
    {
        get
        {
            lock (_gate)
            {
                return Current();
            }
        }
    }

    /// <summary>Whether the oscillator-stop flag (OSF) is set.</summary>
    public bool OscillatorStopped
    {
        get
        {
            lock (_gate)
            {
                return (_registers[(int)Ds3231Register.ControlStatus] & OscillatorStopFlag) != 0;
            }
        }
    }

    /// <summary>Main and backup power both gone: the oscillator stopped, the registers return to their power-on values, OSF is set.</summary>
    public void LoseBackupPower()
    {
        lock (_gate)
        {
            _registers[(int)Ds3231Register.ControlStatus] = 0x88;
            SetTime(new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc));
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
            _pointer = (byte)(data[0] % RegisterCount);
            if (data.Length > 1)
            {
                // The registers as they count now, so a write of one field keeps the others' current values.
                Latch();
            }

            bool timeWritten = false;
            bool secondsWritten = false;
            for (int i = 1; i < data.Length; i++)
            {
                WriteRegister(_pointer, data[i]);
                timeWritten |= _pointer <= (byte)Ds3231Register.Year;
                secondsWritten |= _pointer == (byte)Ds3231Register.Seconds;
                _pointer = (byte)((_pointer + 1) % RegisterCount);
            }

            if (timeWritten)
            {
                TimeSpan now = _clock.Elapsed;
                TimeSpan phase = secondsWritten ? TimeSpan.Zero : TimeSpan.FromTicks((now - _since).Ticks % TimeSpan.TicksPerSecond);
                _time = Decode();
                _since = now - phase;
            }
        }
    }

    protected internal override void Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            Latch();
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = _registers[_pointer];
                _pointer = (byte)((_pointer + 1) % RegisterCount);
            }
        }
    }

    private void WriteRegister(byte address, byte value)
    {
        switch ((Ds3231Register)address)
        {
            case Ds3231Register.ControlStatus:
                byte before = _registers[address];
                byte kept = (byte)(before & value & StatusClearOnlyBits); // 0 clears, 1 leaves
                _registers[address] = (byte)(kept | (value & 0x08) | (before & StatusBusy));
                break;
            case Ds3231Register.TemperatureMsb or Ds3231Register.TemperatureLsb:
                break; // read-only
            default:
                _registers[address] = value;
                break;
        }
    }

    private void SetTime(DateTime time)
    {
        _time = time;
        _since = _clock.Elapsed;
        Encode(time);
    }

    private DateTime? Current() =>
        _time is { } time ? time.AddSeconds(Math.Floor((_clock.Elapsed - _since).TotalSeconds)) : null;

    /// <summary>Copies the counting time into the time registers (a chip whose registers hold no valid date keeps them as written).</summary>
    private void Latch()
    {
        if (Current() is { } now)
        {
            Encode(now);
        }
    }

    private void Encode(DateTime time)
    {
        _registers[(int)Ds3231Register.Seconds] = Bcd(time.Second);
        _registers[(int)Ds3231Register.Minutes] = Bcd(time.Minute);
        _registers[(int)Ds3231Register.Hours] = Bcd(time.Hour);
        _registers[(int)Ds3231Register.Day] = (byte)((int)time.DayOfWeek + 1);
        _registers[(int)Ds3231Register.Date] = Bcd(time.Day);
        _registers[(int)Ds3231Register.MonthCentury] = (byte)(Bcd(time.Month) | (time.Year >= 2000 ? 0x80 : 0));
        _registers[(int)Ds3231Register.Year] = Bcd(time.Year % 100);
    }

    private DateTime? Decode()
    {
        int year = 1900 + ((_registers[(int)Ds3231Register.MonthCentury] >> 7) * 100) + FromBcd(_registers[(int)Ds3231Register.Year]);
        int month = FromBcd((byte)(_registers[(int)Ds3231Register.MonthCentury] & 0x1F));
        int day = FromBcd((byte)(_registers[(int)Ds3231Register.Date] & 0x3F));
        int hour = FromBcd((byte)(_registers[(int)Ds3231Register.Hours] & 0x3F));
        int minute = FromBcd((byte)(_registers[(int)Ds3231Register.Minutes] & 0x7F));
        int second = FromBcd((byte)(_registers[(int)Ds3231Register.Seconds] & 0x7F));
        return DateTime.TryParseExact(
            string.Create(CultureInfo.InvariantCulture, $"{year:D4}-{month:D2}-{day:D2} {hour:D2}:{minute:D2}:{second:D2}"),
            "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime parsed)
            ? parsed
            : null;
    }

    private static byte Bcd(int value) => (byte)(((value / 10) << 4) | (value % 10));

    private static int FromBcd(byte value) => ((value >> 4) * 10) + (value & 0x0F);
}
