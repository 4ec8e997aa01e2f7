using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Configuration;

// The card terminal: `terminal:` (reader, keypad, lcd, the per-session maximum amount).
internal sealed partial class SiteFileReader
{
    private static readonly string[] TerminalKeys = ["reader", "keypad", "lcd", "maxAmountFen", "allowConcurrentSessions"];
    private static readonly string[] CardReaderKeys = ["chip", "spiBus", "chipSelect", "resetGpio", "clockHz"];
    private static readonly string[] KeypadKeys = ["rowGpios", "columnGpios"];
    private static readonly string[] LcdKeys = ["i2cBus", "address", "columns", "rows"];

    private TerminalSettings? ReadTerminal(MappingReader root, BoardSettings board)
    {
        MappingReader m = root.Mapping("terminal", required: false, TerminalKeys);
        if (!m.IsPresent)
        {
            return null;
        }

        int before = _problems.Count;
        MappingReader r = m.Mapping("reader", required: true, CardReaderKeys);
        r.Choice("chip", required: false, "mfrc522");
        int? spiBus = r.Int("spiBus", required: true, 0, 6, "(/dev/spidevB.C: B)");
        int? chipSelect = r.Int("chipSelect", required: true, 0, 2, "(/dev/spidevB.C: C)");
        if (spiBus is { } bus && chipSelect is { } cs && cs >= RaspberryPiPins.ChipSelectCount(bus))
        {
            _problems.Add(r.LineOf("chipSelect"), $"{r.Name("chipSelect")}: SPI{bus} has chip selects 0..{RaspberryPiPins.ChipSelectCount(bus) - 1} only; CE{cs} does not exist");
            chipSelect = null;
        }

        // MFRC522 §8.1.2: up to 10 Mbit/s.
        int clockHz = r.Int("clockHz", required: false, 100_000, 10_000_000, "Hz") ?? 1_000_000;
        int? resetGpio = r.Int("resetGpio", required: false, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        if (spiBus is { } claimedBus && chipSelect is { } claimedCs)
        {
            _spiClaims.Add(new Claim<(int, int)>((claimedBus, claimedCs), "card reader (terminal.reader)", r.LineOf("chipSelect")));
        }

        if (resetGpio is { } reset)
        {
            _gpioClaims.Add(new Claim<int>(reset, "card reader reset (terminal.reader.resetGpio)", r.LineOf("resetGpio")));
        }

        MappingReader k = m.Mapping("keypad", required: true, KeypadKeys);
        List<int> rows = ReadGpioList(k, "rowGpios", "keypad row");
        List<int> columns = ReadGpioList(k, "columnGpios", "keypad column");

        MappingReader l = m.Mapping("lcd", required: true, LcdKeys);
        int? i2cBus = l.Int("i2cBus", required: false, 0, 22);
        if (i2cBus is { } lcdBus && lcdBus != board.I2cBus)
        {
            _problems.Add(l.LineOf("i2cBus"), $"{l.Name("i2cBus")}: the gateway drives one I2C bus, board.i2cBus ({board.I2cBus}); the LCD's backpack must be on it, not on i2c-{lcdBus}");
        }

        // PCF8574 0x20-0x27, PCF8574A 0x38-0x3F (the backpack's A2-A0 jumpers).
        int? address = l.Int("address", required: true, 0x20, 0x3F, "", hex: true);
        if (address is > 0x27 and < 0x38)
        {
            _problems.Add(l.LineOf("address"), $"{l.Name("address")}: {YamlText.FormatHex(address.Value)} is neither a PCF8574 (0x20..0x27) nor a PCF8574A (0x38..0x3F) address");
            address = null;
        }

        int? lcdColumns = l.Int("columns", required: false, 16, 20) ?? 16;
        int? lcdRows = l.Int("rows", required: false, 2, 4) ?? 2;
        if ((lcdColumns, lcdRows) is not ((16, 2) or (20, 4)))
        {
            _problems.Add(l.Line, $"{l.Path}: a {lcdColumns}×{lcdRows} LCD is not supported; use 16×2 or 20×4");
        }

        if (address is { } a)
        {
            _i2cDevices.Add(new I2cDevice(a, null, null, "the card terminal's LCD", l.LineOf("address")));
        }

        int? maxAmount = m.Int("maxAmountFen", required: false, 1, (int)Contracts.Mqtt.ChargeLimit.MaxAmountFen, "fen");
        bool concurrent = m.Bool("allowConcurrentSessions") ?? false;
        if (_problems.Count > before || spiBus is null || chipSelect is null || address is null)
        {
            return null;
        }

        return new TerminalSettings(
            new CardReaderDefinition(spiBus.Value, chipSelect.Value, resetGpio, clockHz),
            new KeypadDefinition(rows, columns),
            new LcdDefinition(address.Value, lcdColumns.Value, lcdRows.Value),
            m.Line)
        {
            MaxAmountFen = maxAmount,
            AllowConcurrentSessions = concurrent,
        };
    }

    /// <summary>A keypad's four row or column GPIOs, each claimed.</summary>
    private List<int> ReadGpioList(MappingReader m, string key, string what)
    {
        var pins = new List<int>();
        if (!m.Contains(key))
        {
            _problems.Add(m.Line, $"{m.Name(key)}: missing; a 4×4 keypad needs 4 GPIOs {GpioUnit}");
            return pins;
        }

        IReadOnlyList<YamlNode> items = m.List(key);
        for (int i = 0; i < items.Count; i++)
        {
            int line = YamlText.LineOf(items[i]);
            if (items[i] is YamlScalarNode { Value: { } text } && YamlText.TryParseInteger(text, out long pin) && pin is >= 0 and <= RaspberryPiPins.MaxHeaderGpio)
            {
                pins.Add((int)pin);
                _gpioClaims.Add(new Claim<int>((int)pin, string.Create(CultureInfo.InvariantCulture, $"{what} {i + 1} ({m.Name(key)})"), line));
            }
            else
            {
                _problems.Add(line, $"{m.Name(key)}[{i}]: expected a GPIO 0..{RaspberryPiPins.MaxHeaderGpio} {GpioUnit}");
            }
        }

        if (items.Count != 4)
        {
            _problems.Add(m.LineOf(key), $"{m.Name(key)}: a 4×4 keypad has 4, not {items.Count}");
        }

        return pins;
    }
}
