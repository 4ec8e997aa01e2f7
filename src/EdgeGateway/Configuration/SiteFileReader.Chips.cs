using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Configuration;

// The chips a shed is built from: `mains:` (its voltage sensor channel), `adcs:`, `expanders:` and `multiplexers:`.
internal sealed partial class SiteFileReader
{
    private static readonly string[] MainsKeys = ["nominalVoltageV", "frequencyHz", "voltageSensor", "voltsPerAdcVolt"];
    private static readonly string[] AnalogChannelKeys = ["adc", "channel"];
    private static readonly string[] AdcKeys = ["id", "chip", "spiBus", "chipSelect", "clockHz", "referenceV"];
    private static readonly string[] ExpanderKeys = ["id", "chip", "address"];
    private static readonly string[] MultiplexerKeys = ["id", "chip", "address"];
    private static readonly string[] RtcKeys = ["chip", "address"];

    /// <summary>Both ADC chips have 8 single-ended channels.</summary>
    private const int AdcChannels = 8;

    /// <summary>MCP3208: 2 MHz clock at VDD = 5 V (1 MHz at 2.7 V).</summary>
    private const int Mcp3208MaxClockHz = 2_000_000;

    private MainsSettings? ReadMains(MappingReader root, out int voltsPerAdcVoltLine)
    {
        // Required when the site has AC ports (checked once the ports are read): a bins-only station has no mains.
        MappingReader m = root.Mapping("mains", required: false, MainsKeys);
        double? nominal = m.Number("nominalVoltageV", required: true, 100, 260, "V");
        double? frequency = m.Number("frequencyHz", required: true, double.MinValue, double.MaxValue, "Hz");
        if (frequency is not null and not 50 and not 60)
        {
            _problems.Add(m.LineOf("frequencyHz"), $"{m.Name("frequencyHz")}: {YamlText.Format(frequency.Value)} Hz is not a mains frequency (allowed 50 or 60 Hz)");
            frequency = null;
        }

        AnalogChannel? sensor = ReadAnalogChannel(m, "voltageSensor", "the mains voltage sensor");
        double? voltsPerAdcVolt = m.Number("voltsPerAdcVolt", required: true, 10, 2000, "V/V (mains volts per volt at the ADC pin)");
        voltsPerAdcVoltLine = m.LineOf("voltsPerAdcVolt");

        return nominal is null || frequency is null || sensor is null || voltsPerAdcVolt is null
            ? null
            : new MainsSettings(nominal.Value, frequency.Value, sensor, voltsPerAdcVolt.Value);
    }

    private AnalogChannel? ReadAnalogChannel(MappingReader parent, string key, string owner)
    {
        MappingReader m = parent.Mapping(key, required: true, AnalogChannelKeys);
        string? adc = m.String("adc", required: true);
        int? channel = m.Int("channel", required: true, 0, AdcChannels - 1, "(ADC input)");
        if (adc is not null)
        {
            _references.Add(new Reference(ReferenceKind.Adc, adc, m.LineOf("adc"), m.Name("adc")));
        }

        if (adc is not null && channel is not null)
        {
            _adcChannelClaims.Add(new Claim<(string, int)>((adc, channel.Value), owner, m.LineOf("channel")));
        }

        return adc is null || channel is null ? null : new AnalogChannel(adc, channel.Value, m.Line);
    }

    private List<AdcChip> ReadAdcs(MappingReader root)
    {
        var result = new List<AdcChip>();
        IReadOnlyList<YamlNode> items = root.List("adcs");
        for (int i = 0; i < items.Count; i++)
        {
            YamlNode item = items[i];
            var m = MappingReader.Read(_problems, item, ItemPath("adcs", item, i), YamlText.LineOf(item), AdcKeys);
            string? id = m.String("id", required: true, IdPattern(), IdRule);
            bool isNewId = id is not null && Register(_adcLines, id, m.Line, "ADC id");
            string? chip = m.Choice("chip", required: true, "mcp3208", "mcp3008");
            int? spiBus = m.Int("spiBus", required: true, 0, 6, "(/dev/spidevB.C: B)");
            int? chipSelect = m.Int("chipSelect", required: true, 0, 2, "(/dev/spidevB.C: C)");
            int clockHz = m.Int("clockHz", required: false, 10_000, 3_600_000, "Hz") ?? 1_000_000;
            double? referenceV = m.Number("referenceV", required: true, 1.0, 5.5, "V");

            if (spiBus is { } bus && chipSelect is { } cs && cs >= RaspberryPiPins.ChipSelectCount(bus))
            {
                int count = RaspberryPiPins.ChipSelectCount(bus);
                _problems.Add(m.LineOf("chipSelect"), $"{m.Name("chipSelect")}: SPI{bus} has chip selects 0..{count - 1} only; CE{cs} does not exist");
                chipSelect = null;
            }

            if (chip == "mcp3208" && clockHz > Mcp3208MaxClockHz)
            {
                _problems.Add(m.LineOf("clockHz"), $"{m.Name("clockHz")}: {clockHz} Hz is above the MCP3208's maximum of 2000000 Hz (2 MHz at 5 V, 1 MHz at 2.7 V)");
            }

            if (spiBus is { } claimedBus && chipSelect is { } claimedCs)
            {
                _spiClaims.Add(new Claim<(int, int)>((claimedBus, claimedCs), id ?? m.Path, m.LineOf("chipSelect")));
            }

            if (!isNewId || chip is null || spiBus is null || chipSelect is null || referenceV is null)
            {
                continue;
            }

            var adc = new AdcChip(id!, chip == "mcp3208" ? AdcChipType.Mcp3208 : AdcChipType.Mcp3008, spiBus.Value, chipSelect.Value, clockHz, referenceV.Value, m.Line);
            _adcsById.Add(adc.Id, adc);
            result.Add(adc);
        }

        return result;
    }

    private List<RelayExpander> ReadExpanders(MappingReader root)
    {
        var result = new List<RelayExpander>();
        IReadOnlyList<YamlNode> items = root.List("expanders");
        for (int i = 0; i < items.Count; i++)
        {
            YamlNode item = items[i];
            var m = MappingReader.Read(_problems, item, ItemPath("expanders", item, i), YamlText.LineOf(item), ExpanderKeys);
            string? id = m.String("id", required: true, IdPattern(), IdRule);
            bool isNewId = id is not null && Register(_expanderLines, id, m.Line, "expander id");
            m.Choice("chip", required: false, "mcp23017");
            int? address = m.Int("address", required: true, 0x20, 0x27, "(MCP23017, set by A0-A2)", hex: true);
            if (address is { } a)
            {
                _i2cDevices.Add(new I2cDevice(a, null, null, id is null ? m.Path : $"expander {id}", m.LineOf("address")));
            }

            if (isNewId && address is not null)
            {
                result.Add(new RelayExpander(id!, address.Value, m.Line));
            }
        }

        return result;
    }

    /// <summary>The optional <c>rtc:</c> section: a DS3231 on the main I2C bus (its address is fixed at 0x68).</summary>
    private RealTimeClockDefinition? ReadRtc(MappingReader root)
    {
        if (!root.Has("rtc"))
        {
            return null;
        }

        MappingReader m = root.Mapping("rtc", required: false, RtcKeys);
        string? chip = m.Choice("chip", required: true, "ds3231");
        int address = m.Int("address", required: false, 0x68, 0x68, "(DS3231: fixed)", hex: true) ?? 0x68;
        _i2cDevices.Add(new I2cDevice(address, null, null, "the real-time clock", m.LineOf("address")));
        return chip is null ? null : new RealTimeClockDefinition(chip, address, m.Line);
    }

    private List<I2cMultiplexer> ReadMultiplexers(MappingReader root)
    {
        var result = new List<I2cMultiplexer>();
        IReadOnlyList<YamlNode> items = root.List("multiplexers");
        for (int i = 0; i < items.Count; i++)
        {
            YamlNode item = items[i];
            var m = MappingReader.Read(_problems, item, ItemPath("multiplexers", item, i), YamlText.LineOf(item), MultiplexerKeys);
            string? id = m.String("id", required: true, IdPattern(), IdRule);
            bool isNewId = id is not null && Register(_multiplexerLines, id, m.Line, "multiplexer id");
            m.Choice("chip", required: false, "tca9548a");
            int? address = m.Int("address", required: true, 0x70, 0x77, "(TCA9548A, set by A0-A2)", hex: true);
            if (address is { } a)
            {
                _i2cDevices.Add(new I2cDevice(a, null, null, id is null ? m.Path : $"multiplexer {id}", m.LineOf("address")));
            }

            if (isNewId && address is not null)
            {
                result.Add(new I2cMultiplexer(id!, address.Value, m.Line));
            }
        }

        return result;
    }
}
