using System.Device.I2c;
using Iot.Device.CharacterLcd;

namespace EdgeGateway.Hardware.CardTerminal;

/// <summary>
/// The card terminal's HD44780 character LCD (16×2 or 20×4) on a PCF8574 I2C backpack, through the dotnet/iot
/// <see cref="Lcd1602"/>/<see cref="Lcd2004"/> binding with its 4-bit I2C interface
/// (<c>LcdInterface.CreateI2c(device, uses8Bit: false)</c>; Iot.Device.Bindings 4.2.0). <see cref="TryShow"/> writes
/// only the rows that changed; never throws.
/// </summary>
/// <remarks>
/// The HD44780's character ROM (A00, and A02 alike) has ASCII and katakana but no Chinese: text is sent as ASCII, and
/// anything else shows as <c>?</c>. A bus error is a fault: the display is initialised again on the next call (it may
/// have lost its power and its 4-bit mode).
/// </remarks>
public sealed class CharacterDisplay : IDisposable
{
    private readonly I2cDevice _device;
    private readonly string?[] _shown;
    private Hd44780? _lcd;

    /// <param name="device">The backpack's I2C device; owned by the caller.</param>
    /// <param name="columns">16 or 20.</param>
    /// <param name="rows">2 or 4.</param>
    public CharacterDisplay(I2cDevice device, int columns, int rows)
    {
        ArgumentNullException.ThrowIfNull(device);
        if ((columns, rows) is not ((16, 2) or (20, 4)))
        {
            throw new ArgumentException("16×2 or 20×4.", nameof(rows));
        }

        _device = device;
        Columns = columns;
        Rows = rows;
        _shown = new string?[rows];
    }

    public int Columns { get; }

    public int Rows { get; }

    /// <summary>Why the last <see cref="TryShow"/> failed, or null.</summary>
    public string? Fault { get; private set; }

    /// <summary>Shows <paramref name="lines"/> (cut or padded to the width; missing rows blank).</summary>
    public bool TryShow(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        try
        {
            if (_lcd is null)
            {
                var lcdInterface = LcdInterface.CreateI2c(_device, uses8Bit: false);
                _lcd = Rows == 4 ? new Lcd2004(lcdInterface) : new Lcd1602(lcdInterface);
                Array.Clear(_shown);
            }

            for (int row = 0; row < Rows; row++)
            {
                string text = Fit(row < lines.Count ? lines[row] : "");
                if (text != _shown[row])
                {
                    _lcd.SetCursorPosition(0, row);
                    _lcd.Write(text);
                    _shown[row] = text;
                }
            }

            Fault = null;
            return true;
        }
        catch (IOException ex)
        {
            Fault = ex.Message;
            _lcd = null;
            return false;
        }
    }

    public void Dispose()
    {
        // The LCD interface would dispose the caller's device: let go of the binding only.
        _lcd = null;
    }

    private string Fit(string text)
    {
        Span<char> row = stackalloc char[Columns];
        row.Fill(' ');
        for (int i = 0; i < Math.Min(text.Length, Columns); i++)
        {
            row[i] = text[i] is >= ' ' and <= '}' ? text[i] : '?';
        }

        return new string(row);
    }
}
