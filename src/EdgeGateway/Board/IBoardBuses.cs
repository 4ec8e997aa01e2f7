using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
using System.IO.Ports;
using EdgeGateway.Configuration;

namespace EdgeGateway.Board;

/// <summary>
/// The buses of a board: the only thing that differs between a real Raspberry Pi and a simulated
/// shed. Everything above (bindings, meters, relays) is built the same way on either.
/// </summary>
public interface IBoardBuses : IDisposable
{
    GpioController Gpio { get; }

    I2cBus I2c { get; }

    SpiDevice OpenSpi(AdcChip adc);

    /// <summary>Opens another SPI device (the card terminal's reader) by its bus, chip select, clock and mode.</summary>
    SpiDevice OpenSpi(SpiConnectionSettings settings) => SpiDevice.Create(settings);

    /// <summary>
    /// Opens a BL0942 UART at 4800 baud, 8N1 (datasheet V1.06, 4.2), by its device path: /dev/ttyAMA0 on a Pi, the
    /// pseudo-terminal a simulated bus answers on in simulation. The same <see cref="SerialPort"/> either way.
    /// <paramref name="parity"/>: an HLW8032 sends 8E1 (set when opening: a pty refuses a parity change once open).
    /// </summary>
    SerialPort OpenSerial(string device, Parity parity = Parity.None);
}

/// <summary>The buses of a real board: /dev/gpiochipN, /dev/i2c-N, /dev/spidevB.C.</summary>
public sealed class LinuxBoardBuses(BoardSettings board) : IBoardBuses
{
    private readonly Lazy<GpioController> _gpio = new(() => board.GpioChip == 0
        ? new GpioController()
        : new GpioController(new System.Device.Gpio.Drivers.LibGpiodDriver(board.GpioChip)));

    private readonly Lazy<I2cBus> _i2c = new(() => I2cBus.Create(board.I2cBus));

    public GpioController Gpio => _gpio.Value;

    public I2cBus I2c => _i2c.Value;

    // MCP3x08: SPI mode 0,0 (datasheet section 6.1); clock per the site file.
    public SpiDevice OpenSpi(AdcChip adc) => SpiDevice.Create(new SpiConnectionSettings(adc.SpiBus, adc.ChipSelect)
    {
        ClockFrequency = adc.ClockHz,
        Mode = SpiMode.Mode0,
    });

    public SerialPort OpenSerial(string device, Parity parity = Parity.None) => SerialLine.Open(device, parity: parity);

    /// <summary>Closes the I2C bus, then the GPIO chip: the GPIO chip is closed even when closing the I2C bus throws.</summary>
    public void Dispose()
    {
        try
        {
            if (_i2c.IsValueCreated)
            {
                _i2c.Value.Dispose();
            }
        }
        finally
        {
            if (_gpio.IsValueCreated)
            {
                _gpio.Value.Dispose();
            }
        }
    }
}

/// <summary>How the gateway opens a metering IC's UART, on a board or in simulation.</summary>
public static class SerialLine
{
    /// <summary>
    /// A read waits this long for the rest of an answer: a full BL0942 packet takes 48 ms on the wire at 4800 baud, so a
    /// chip that has not answered by then will not.
    /// </summary>
    public const int ReadTimeoutMs = 150;

    /// <summary>
    /// In simulation the chip answers on another thread of a machine that may be busy, and a pty carries bytes at once:
    /// the timeout only has to tell a silent chip from a thread that was not scheduled in time (it costs no shed time).
    /// </summary>
    public const int SimulatedReadTimeoutMs = 500;

    public static SerialPort Open(string device, int readTimeoutMs = ReadTimeoutMs, Parity parity = Parity.None)
    {
        var port = new SerialPort(device, Hardware.Metering.Bl0942.Bl0942Frame.BaudRate, parity, 8, StopBits.One)
        {
            ReadTimeout = readTimeoutMs,
            WriteTimeout = readTimeoutMs,
            Handshake = Handshake.None,
        };
        port.Open();
        return port;
    }
}
