namespace EdgeGateway.Hardware.Simulation.Hd44780;

/// <summary>
/// The Hitachi HD44780U dot-matrix LCD controller (datasheet ADE-207-272, rev. 0.0) of a character module, as far as
/// what it shows: instructions and data latched on E's falling edge (Figure 25/26), in 8-bit mode after power-on and
/// 4-bit mode once a function set says DL = 0 (each instruction then taking two transfers, high nibble first, p. 22);
/// Table 6's instructions (clear display, return home, entry mode set, display on/off control, cursor or display
/// shift, function set, set CGRAM/DDRAM address) and data writes into DDRAM with the address counter moving by I/D.
/// </summary>
/// <remarks>
/// <para>
/// DDRAM (p. 11): one-line mode 00h-4Fh; two-line mode 00h-27h and 40h-67h, the counter running from 27h to 40h and
/// from 67h to 00h. A 16×2 module shows 00h-0Fh and 40h-4Fh, a 20×4 one 00h-13h, 40h-53h, 14h-27h and 54h-67h.
/// </para>
/// <para>
/// <see cref="Line"/> renders DDRAM through character ROM A00 (Table 4): 20h-7Dh as ASCII except 5Ch, which is ¥, 7Eh →
/// and 7Fh ←; A1h-DFh are katakana (shown as ?), as is anything else. There is no Chinese in either ROM (A00 or A02).
/// </para>
/// <para>Not modelled: the busy flag and execution times (the dotnet/iot I2C backpack interface never reads back),
/// CGRAM patterns (custom characters show as ?), the cursor and blink, display shift (lines show from address 0).
/// DB3-DB0, which a backpack leaves unconnected, read as 0 in 8-bit mode.</para>
/// </remarks>
public sealed class SimulatedHd44780
{
    private readonly Lock _gate = new();
    private readonly byte[] _ddram = new byte[0x80];
    private readonly int[] _rowOffsets;
    private bool _fourBit;
    private bool _twoLine;
    private bool _incrementAddress = true;
    private bool _enable;
    private byte? _highNibble;
    private int _address;
    private bool _cgram;

    public SimulatedHd44780(int columns, int rows)
    {
        if ((columns, rows) is not ((16, 2) or (20, 4) or (16, 1) or (20, 2)))
        {
            throw new ArgumentException("16×1, 16×2, 20×2 or 20×4.", nameof(rows));
        }

        Columns = columns;
        Rows = rows;
        _rowOffsets = rows == 4 ? [0x00, 0x40, 0x14, 0x54] : [0x00, 0x40];
        _ddram.AsSpan().Fill(0x20);
    }

    public int Columns { get; }

    public int Rows { get; }

    /// <summary>Display on/off control's D bit (off after power-on, p. 23).</summary>
    public bool DisplayOn { get; private set; }

    /// <summary>How many instructions and data writes the controller has executed.</summary>
    public int Executed { get; private set; }

    /// <summary>What row <paramref name="row"/> shows (whatever <see cref="DisplayOn"/> says), through ROM A00.</summary>
    public string Line(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        lock (_gate)
        {
            char[] text = new char[Columns];
            for (int c = 0; c < Columns; c++)
            {
                text[c] = RomA00(_ddram[(_rowOffsets[row] + c) & 0x7F]);
            }

            return new string(text);
        }
    }

    /// <summary>Every row, top to bottom.</summary>
    public IReadOnlyList<string> Lines => [.. Enumerable.Range(0, Rows).Select(Line)];

    /// <summary>
    /// The module's pins after a change: RS, R/W, E and DB7-DB4 (<paramref name="data"/>'s upper nibble). The
    /// controller latches on E's falling edge (Figure 25: data set up before E falls).
    /// </summary>
    public void Pins(bool registerSelect, bool read, bool enable, byte data)
    {
        lock (_gate)
        {
            bool falling = _enable && !enable;
            _enable = enable;
            if (!falling || read)
            {
                return;
            }

            byte nibble = (byte)(data & 0xF0);
            if (!_fourBit)
            {
                Execute(registerSelect, nibble);
                return;
            }

            if (_highNibble is not { } high)
            {
                _highNibble = nibble;
                return;
            }

            _highNibble = null;
            Execute(registerSelect, (byte)(high | (nibble >> 4)));
        }
    }

    private void Execute(bool data, byte value)
    {
        Executed++;
        if (data)
        {
            if (!_cgram)
            {
                _ddram[_address] = value;
            }

            MoveAddress(_incrementAddress ? 1 : -1);
            return;
        }

        if ((value & 0x80) != 0)
        {
            _cgram = false;
            _address = value & 0x7F;
        }
        else if ((value & 0x40) != 0)
        {
            _cgram = true;
        }
        else if ((value & 0x20) != 0)
        {
            // Function set: DL (bit 4), N (bit 3). Switching to 4-bit takes effect for the next transfer (p. 42).
            _fourBit = (value & 0x10) == 0;
            _twoLine = (value & 0x08) != 0;
            _highNibble = null;
        }
        else if ((value & 0x10) != 0)
        {
            // Cursor or display shift: S/C = 0 moves the cursor by R/L; a display shift is not modelled.
            if ((value & 0x08) == 0)
            {
                MoveAddress((value & 0x04) != 0 ? 1 : -1);
            }
        }
        else if ((value & 0x08) != 0)
        {
            DisplayOn = (value & 0x04) != 0;
        }
        else if ((value & 0x04) != 0)
        {
            _incrementAddress = (value & 0x02) != 0;
        }
        else if ((value & 0x02) != 0)
        {
            _cgram = false;
            _address = 0;
        }
        else if ((value & 0x01) != 0)
        {
            // Clear display: spaces (20h) into all of DDRAM, address 0, I/D = 1 (p. 24).
            _ddram.AsSpan().Fill(0x20);
            _cgram = false;
            _address = 0;
            _incrementAddress = true;
        }
    }

    private void MoveAddress(int by)
    {
        if (!_twoLine)
        {
            _address = (_address + by + 0x50) % 0x50;
            return;
        }

        int linear = (_address >= 0x40 ? _address - 0x40 + 0x28 : _address) + by;
        linear = (linear + 0x50) % 0x50;
        _address = linear >= 0x28 ? linear - 0x28 + 0x40 : linear;
    }

    private static char RomA00(byte code) => code switch
    {
        0x5C => '¥',
        0x7E => '→',
        0x7F => '←',
        >= 0x20 and <= 0x7D => (char)code,
        _ => '?',
    };
}

/// <summary>
/// The usual I2C backpack of a character LCD: a PCF8574 whose P0 drives RS, P1 R/W, P2 E, P3 the backlight transistor
/// and P4-P7 DB4-DB7 (the wiring the dotnet/iot <c>LcdInterface.CreateI2c(device, uses8Bit: false)</c> assumes).
/// </summary>
public static class LcdBackpack
{
    public static void Connect(Pcf8574.SimulatedPcf8574 expander, SimulatedHd44780 lcd, Action<bool>? backlight = null)
    {
        ArgumentNullException.ThrowIfNull(expander);
        ArgumentNullException.ThrowIfNull(lcd);
        expander.PinsChanged += (_, pins) =>
        {
            backlight?.Invoke((pins & 0x08) != 0);
            lcd.Pins((pins & 0x01) != 0, (pins & 0x02) != 0, (pins & 0x04) != 0, pins);
        };
    }
}
