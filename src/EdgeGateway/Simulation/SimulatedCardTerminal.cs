using System.Device.Spi;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Simulation.Gpio;
using EdgeGateway.Hardware.Simulation.Hd44780;
using EdgeGateway.Hardware.Simulation.I2c;
using EdgeGateway.Hardware.Simulation.Keypad;
using EdgeGateway.Hardware.Simulation.Mfrc522;
using EdgeGateway.Hardware.Simulation.Pcf8574;

namespace EdgeGateway.Simulation;

/// <summary>
/// The card terminal of a simulated shed, wired as its site file's <c>terminal:</c> says: an MFRC522 on its SPI chip
/// select, a 4×4 keypad on its GPIOs and an HD44780 LCD behind a PCF8574 backpack on the I2C bus. Scenario events swipe
/// cards (<see cref="Swipe"/>), take them away and type keys.
/// </summary>
public sealed class SimulatedCardTerminal
{
    internal SimulatedCardTerminal(TerminalSettings terminal, SimulatedGpioDriver gpio, SimulatedI2cBus i2c)
    {
        Settings = terminal;

        // The reader's response timer runs on real time, as the binding's own Stopwatch waits do.
        Reader = new SimulatedMfrc522(new SpiConnectionSettings(terminal.Reader.SpiBus, terminal.Reader.ChipSelect)
        {
            ClockFrequency = terminal.Reader.ClockHz,
            Mode = SpiMode.Mode0,
        });
        Keypad = new SimulatedKeypad(gpio, terminal.Keypad.RowGpios, terminal.Keypad.ColumnGpios);
        Backpack = new SimulatedPcf8574(terminal.Lcd.Address);
        Lcd = new SimulatedHd44780(terminal.Lcd.Columns, terminal.Lcd.Rows);
        LcdBackpack.Connect(Backpack, Lcd);
        i2c.Attach(Backpack);
    }

    public TerminalSettings Settings { get; }

    public SimulatedMfrc522 Reader { get; }

    public SimulatedKeypad Keypad { get; }

    public SimulatedPcf8574 Backpack { get; }

    /// <summary>What the terminal's display shows.</summary>
    public SimulatedHd44780 Lcd { get; }

    /// <summary>A card with <paramref name="uidHex"/> is laid on the reader (any card there before is taken away).</summary>
    public void Swipe(string uidHex)
    {
        Reader.RemoveAll();
        Reader.Place(new Iso14443TypeACard(Convert.FromHexString(uidHex)));
    }

    /// <summary>The card is taken off the reader.</summary>
    public void RemoveCard() => Reader.RemoveAll();

    /// <summary>Keys typed on the keypad, one after the other as its scanner sees them.</summary>
    public void Type(string keys) => Keypad.Type(keys);

    /// <summary>The SPI device a board opens for the reader's chip select, or null when it is not the reader's.</summary>
    internal SpiDevice? OpenSpi(SpiConnectionSettings settings) =>
        settings.BusId == Settings.Reader.SpiBus && settings.ChipSelectLine == Settings.Reader.ChipSelect ? Reader : null;
}
