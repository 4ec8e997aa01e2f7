namespace EdgeGateway.Configuration;

// The chips a shed is built from: `mains:` (its voltage sensor channel), `adcs:`, `expanders:` and `multiplexers:`.
internal sealed partial class SiteFileReader
{
    private static readonly string[] MainsKeys = ["nominalVoltageV", "frequencyHz", "voltageSensor", "voltsPerAdcVolt"];
    private static readonly string[] AnalogChannelKeys = ["adc", "channel"];
    private static readonly string[] AdcKeys = ["id", "chip", "spiBus", "chipSelect", "clockHz", "referenceV"];
    private static readonly string[] ExpanderKeys = ["id", "chip", "address"];
    private static readonly string[] MultiplexerKeys = ["id", "chip", "address"];

    /// <summary>Both ADC chips have 8 single-ended channels.</summary>
    private const int AdcChannels = 8;

    /// <summary>MCP3208: 2 MHz clock at VDD = 5 V (1 MHz at 2.7 V).</summary>
    private const int Mcp3208MaxClockHz = 2_000_000;

    private MainsSettings? ReadMains(MappingReader root, out int voltsPerAdcVoltLine)
    {
        // Required when the site has AC ports (checked once the ports are read): a bins-only station has no mains.
        var m = root.Mapping("mains", required: false, MainsKeys);
        var nominal = m.Number("nominalVoltageV", required: true, 100, 260, "V");
        var frequency = m.Number("frequencyHz", required: true, double.MinValue, double.MaxValue, "Hz");
        if (frequency is not null and not 50 and not 60)
        {
            problems.Add(m.LineOf("frequencyHz"), $"{m.Name("frequencyHz")}: {YamlText.Format(frequency.Value)} Hz is not a mains frequency (allowed 50 or 60 Hz)");
            frequency = null;
        }

        var sensor = ReadAnalogChannel(m, "voltageSensor", "the mains voltage sensor");
        var voltsPerAdcVolt = m.Number("voltsPerAdcVolt", required: true, 10, 2000, "V/V (mains volts per volt at the ADC pin)");
        voltsPerAdcVoltLine = m.LineOf("voltsPerAdcVolt");

        return nominal is null || frequency is null || sensor is null || voltsPerAdcVolt is null
            ? null
            : new MainsSettings(nominal.Value, frequency.Value, sensor, voltsPerAdcVolt.Value);
    }

    private AnalogChannel? ReadAnalogChannel(MappingReader parent, string key, string owner)
    {
        var m = parent.Mapping(key, required: true, AnalogChannelKeys);
        var adc = m.String("adc", required: true);
        var channel = m.Int("channel", required: true, 0, AdcChannels - 1, "(ADC input)");
        if (adc is not null)
        {
            references.Add(new Reference(ReferenceKind.Adc, adc, m.LineOf("adc"), m.Name("adc")));
        }

        if (adc is not null && channel is not null)
        {
            adcChannelClaims.Add(new Claim<(string, int)>((adc, channel.Value), owner, m.LineOf("channel")));
        }

        return adc is null || channel is null ? null : new AnalogChannel(adc, channel.Value, m.Line);
    }

    private List<AdcChip> ReadAdcs(MappingReader root)
    {
        var result = new List<AdcChip>();
        var items = root.List("adcs");
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var m = MappingReader.Read(problems, item, ItemPath("adcs", item, i), YamlText.LineOf(item), AdcKeys);
            var id = m.String("id", required: true, IdPattern(), IdRule);
            var isNewId = id is not null && Register(adcLines, id, m.Line, "ADC id");
            var chip = m.Choice("chip", required: true, "mcp3208", "mcp3008");
            var spiBus = m.Int("spiBus", required: true, 0, 6, "(/dev/spidevB.C: B)");
            var chipSelect = m.Int("chipSelect", required: true, 0, 2, "(/dev/spidevB.C: C)");
            var clockHz = m.Int("clockHz", required: false, 10_000, 3_600_000, "Hz") ?? 1_000_000;
            var referenceV = m.Number("referenceV", required: true, 1.0, 5.5, "V");

            if (spiBus is { } bus && chipSelect is { } cs && cs >= RaspberryPiPins.ChipSelectCount(bus))
            {
                var count = RaspberryPiPins.ChipSelectCount(bus);
                problems.Add(m.LineOf("chipSelect"), $"{m.Name("chipSelect")}: SPI{bus} has chip selects 0..{count - 1} only; CE{cs} does not exist");
                chipSelect = null;
            }

            if (chip == "mcp3208" && clockHz > Mcp3208MaxClockHz)
            {
                problems.Add(m.LineOf("clockHz"), $"{m.Name("clockHz")}: {clockHz} Hz is above the MCP3208's maximum of 2000000 Hz (2 MHz at 5 V, 1 MHz at 2.7 V)");
            }

            if (spiBus is { } claimedBus && chipSelect is { } claimedCs)
            {
                spiClaims.Add(new Claim<(int, int)>((claimedBus, claimedCs), id ?? m.Path, m.LineOf("chipSelect")));
            }

            if (!isNewId || chip is null || spiBus is null || chipSelect is null || referenceV is null)
            {
                continue;
            }

            var adc = new AdcChip(id!, chip == "mcp3208" ? AdcChipType.Mcp3208 : AdcChipType.Mcp3008, spiBus.Value, chipSelect.Value, clockHz, referenceV.Value, m.Line);
            adcsById.Add(adc.Id, adc);
            result.Add(adc);
        }

        return result;
    }

    private List<RelayExpander> ReadExpanders(MappingReader root)
    {
        var result = new List<RelayExpander>();
        var items = root.List("expanders");
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var m = MappingReader.Read(problems, item, ItemPath("expanders", item, i), YamlText.LineOf(item), ExpanderKeys);
            var id = m.String("id", required: true, IdPattern(), IdRule);
            var isNewId = id is not null && Register(expanderLines, id, m.Line, "expander id");
            m.Choice("chip", required: false, "mcp23017");
            var address = m.Int("address", required: true, 0x20, 0x27, "(MCP23017, set by A0-A2)", hex: true);
            if (address is { } a)
            {
                i2cDevices.Add(new I2cDevice(a, null, null, id is null ? m.Path : $"expander {id}", m.LineOf("address")));
            }

            if (isNewId && address is not null)
            {
                result.Add(new RelayExpander(id!, address.Value, m.Line));
            }
        }

        return result;
    }

    private List<I2cMultiplexer> ReadMultiplexers(MappingReader root)
    {
        var result = new List<I2cMultiplexer>();
        var items = root.List("multiplexers");
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var m = MappingReader.Read(problems, item, ItemPath("multiplexers", item, i), YamlText.LineOf(item), MultiplexerKeys);
            var id = m.String("id", required: true, IdPattern(), IdRule);
            var isNewId = id is not null && Register(multiplexerLines, id, m.Line, "multiplexer id");
            m.Choice("chip", required: false, "tca9548a");
            var address = m.Int("address", required: true, 0x70, 0x77, "(TCA9548A, set by A0-A2)", hex: true);
            if (address is { } a)
            {
                i2cDevices.Add(new I2cDevice(a, null, null, id is null ? m.Path : $"multiplexer {id}", m.LineOf("address")));
            }

            if (isNewId && address is not null)
            {
                result.Add(new I2cMultiplexer(id!, address.Value, m.Line));
            }
        }

        return result;
    }
}
