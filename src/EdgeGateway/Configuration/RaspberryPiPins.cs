namespace EdgeGateway.Configuration;

/// <summary>
/// The BCM GPIO pins the Raspberry Pi's I2C and SPI controllers occupy on the 40-pin header, as the stock
/// device tree and its overlays assign them (Raspberry Pi 4 / BCM2711 tables; SPI0/SPI1 and I2C1 are the
/// same on every model). Used to find a relay or input wired to a pin a bus already drives.
/// </summary>
internal static class RaspberryPiPins
{
    /// <summary>Highest BCM GPIO on the 40-pin header.</summary>
    public const int MaxHeaderGpio = 27;

    private static readonly Dictionary<int, (int Sda, int Scl)> I2cBuses = new()
    {
        [0] = (0, 1),
        [1] = (2, 3),
        [3] = (4, 5),
        [4] = (8, 9),
        [5] = (12, 13),
        [6] = (22, 23),
    };

    private static readonly Dictionary<int, SpiBusPins> SpiBuses = new()
    {
        [0] = new SpiBusPins(Miso: 9, Mosi: 10, Sclk: 11, ChipSelects: [8, 7]),
        [1] = new SpiBusPins(Miso: 19, Mosi: 20, Sclk: 21, ChipSelects: [18, 17, 16]),

        // SPI2 is wired to GPIO 40-45, which only Compute Modules bring out; no header pins to check.
        [2] = new SpiBusPins(Miso: null, Mosi: null, Sclk: null, ChipSelects: [null, null]),
        [3] = new SpiBusPins(Miso: 1, Mosi: 2, Sclk: 3, ChipSelects: [0, 24]),
        [4] = new SpiBusPins(Miso: 5, Mosi: 6, Sclk: 7, ChipSelects: [4, 25]),
        [5] = new SpiBusPins(Miso: 13, Mosi: 14, Sclk: 15, ChipSelects: [12, 26]),
        [6] = new SpiBusPins(Miso: 19, Mosi: 20, Sclk: 21, ChipSelects: [18, 27]),
    };

    /// <summary>The SDA/SCL pins of /dev/i2c-<paramref name="bus"/>, when the stock device tree fixes them.</summary>
    public static (int Sda, int Scl)? I2cPins(int bus) => I2cBuses.TryGetValue(bus, out (int Sda, int Scl) pins) ? pins : null;

    /// <summary>How many chip selects (CE lines) the SPI bus's stock overlay offers.</summary>
    public static int ChipSelectCount(int spiBus) => SpiBuses.TryGetValue(spiBus, out SpiBusPins? pins) ? pins.ChipSelects.Count : 0;

    /// <summary>The data/clock pins of an SPI bus, with their signal names (none for SPI2).</summary>
    public static IEnumerable<(int Pin, string Signal)> SpiDataPins(int spiBus)
    {
        if (!SpiBuses.TryGetValue(spiBus, out SpiBusPins? pins))
        {
            yield break;
        }

        if (pins.Miso is { } miso)
        {
            yield return (miso, "MISO");
        }

        if (pins.Mosi is { } mosi)
        {
            yield return (mosi, "MOSI");
        }

        if (pins.Sclk is { } sclk)
        {
            yield return (sclk, "SCLK");
        }
    }

    /// <summary>The GPIO of chip select CE<paramref name="chipSelect"/> on an SPI bus, when it is a header pin.</summary>
    public static int? ChipSelectPin(int spiBus, int chipSelect) =>
        SpiBuses.TryGetValue(spiBus, out SpiBusPins? pins) && chipSelect < pins.ChipSelects.Count ? pins.ChipSelects[chipSelect] : null;

    private sealed record SpiBusPins(int? Miso, int? Mosi, int? Sclk, IReadOnlyList<int?> ChipSelects);
}
