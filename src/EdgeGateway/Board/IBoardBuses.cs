using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
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
