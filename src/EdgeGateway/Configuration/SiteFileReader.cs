using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static System.FormattableString;

namespace EdgeGateway.Configuration;

/// <summary>
/// Turns the YAML tree of one site file into a <see cref="SiteConfiguration"/>, reporting every problem:
/// first each section on its own (keys, types, ranges), then what only the whole file can show
/// (references between ids, pins, bus addresses and ADC channels used twice, thresholds a meter cannot reach).
/// This part reads the root, <c>site:</c>, <c>board:</c> and <c>sampling:</c>; the other sections are read in
/// SiteFileReader.Chips.cs, .Ports.cs, .Protection.cs, .ShedSensors.cs, .Mqtt.cs and .Bins.cs, and the whole-file
/// checks are in SiteFileReader.Checks.cs.
/// </summary>
internal sealed partial class SiteFileReader
{
    private static readonly string[] RootKeys =
    [
        "site", "board", "mains", "adcs", "expanders", "multiplexers", "ports", "shedSensors", "protection", "sampling",
        "bins", "binThresholds", "binSampling", "mqtt", "rtc", "alarmFlapping", "terminal",
        "supplyMeter",
    ];
    private static readonly string[] SiteKeys = ["id", "gateway", "name"];
    private static readonly string[] BoardKeys = ["i2cBus", "gpioChip", "oneWirePin"];
    private static readonly string[] SamplingKeys = ["cyclesPerMeasurement", "roundPeriodMs", "temperaturePeriodSeconds", "telemetryPeriodSeconds"];

    private const string IdRule = "use 1 to 64 letters, digits, '-' and '_', starting with a letter or digit";
    private const string SiteIdRule = "use 1 to 64 lower-case letters, digits, '-' and '_', starting with a letter or digit (it goes into MQTT topics)";
    private const string GpioUnit = "(BCM numbering)";

    private readonly string _fileName;
    private readonly ProblemCollector _problems;

    private readonly Dictionary<string, AdcChip> _adcsById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _adcLines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _expanderLines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _multiplexerLines = new(StringComparer.Ordinal);
    private readonly List<Reference> _references = [];
    private readonly List<Claim<int>> _gpioClaims = [];
    private readonly List<Claim<(string Adc, int Channel)>> _adcChannelClaims = [];
    private readonly List<Claim<(int Bus, int ChipSelect)>> _spiClaims = [];
    private readonly List<Claim<(string Expander, int Pin)>> _expanderPinClaims = [];
    private readonly List<Claim<(string Serial, int Address)>> _serialAddressClaims = [];
    private readonly List<Claim<string>> _serialLineClaims = [];
    private readonly Dictionary<string, (int Baud, string Owner, int Line)> _bl0942Bauds = new(StringComparer.Ordinal);
    private readonly List<I2cDevice> _i2cDevices = [];
    private readonly List<PortMeterFacts> _meterFacts = [];
    private readonly Dictionary<string, int> _portLines = new(StringComparer.Ordinal);
    private readonly List<(string Port, int Line)> _acPorts = [];
    private readonly List<Claim<string>> _sensorIdClaims = [];
    private readonly List<Claim<string>> _deviceIdClaims = [];

    public SiteFileReader(string fileName, ProblemCollector problems)
    {
        _fileName = fileName;
        _problems = problems;
    }

    /// <summary>Reads the document's root node (null for an empty file). Returns null when a required part is unusable.</summary>
    public SiteConfiguration? Read(YamlNode? rootNode)
    {
        if (rootNode is null || YamlText.IsNull(rootNode))
        {
            _problems.Add(1, $"the file is empty: a site file needs at least the 'site:' section, and ports or bins");
            return null;
        }

        var root = MappingReader.Read(_problems, rootNode, "", YamlText.LineOf(rootNode), RootKeys);
        if (rootNode is not YamlMappingNode)
        {
            return null;
        }

        SiteIdentity? site = ReadSite(root);
        BoardSettings board = ReadBoard(root, out int i2cBusLine);
        MainsSettings? mains = ReadMains(root, out int voltsPerAdcVoltLine);
        List<AdcChip> adcs = ReadAdcs(root);
        List<RelayExpander> expanders = ReadExpanders(root);
        List<I2cMultiplexer> multiplexers = ReadMultiplexers(root);
        RealTimeClockDefinition? rtc = ReadRtc(root);
        AlarmFlapSettings alarmFlapping = ReadAlarmFlapping(root);
        (PortProtectionSettings? portProtection, ShedProtectionSettings? shedProtection) = ReadProtection(root, out int? siteShortCircuitLine);
        shedProtection = shedProtection with { AlarmFlapping = alarmFlapping };
        List<ChargingPortDefinition> ports = ReadPorts(root, portProtection);
        (SupplyMeterDefinition? supplyMeter, SupplyRuleSettings? supplyRules) = ReadSupplyMeter(root);
        shedProtection = shedProtection with { Supply = supplyRules };
        ShedSensorSettings shedSensors = ReadShedSensors(root, board);
        SamplingSettings sampling = ReadSampling(root);
        MqttSiteSettings? mqtt = ReadMqtt(root);
        BinThresholds binThresholds = ReadBinThresholds(root.Mapping("binThresholds", required: false, BinThresholdKeys), new BinThresholds { AlarmFlapping = alarmFlapping }, inheritedFrom: "default");
        List<BinDefinition> bins = ReadBins(root, board, binThresholds);
        BinSamplingSettings binSampling = ReadBinSampling(root);
        TerminalSettings? terminal = ReadTerminal(root, board);

        CheckMainsForAcPorts(root);
        CheckReferences();
        ClaimBusPins(board, i2cBusLine);
        ReportConflicts(_gpioClaims, pin => Invariant($"GPIO {pin}"));
        ReportConflicts(_adcChannelClaims, key => Invariant($"{key.Adc} channel {key.Channel}"));
        ReportConflicts(_spiClaims, key => Invariant($"SPI bus {key.Bus} chip select {key.ChipSelect}"));
        ReportConflicts(_expanderPinClaims, key => Invariant($"expander {key.Expander} pin {key.Pin}"));
        ReportConflicts(_serialAddressClaims, key => Invariant($"BL0942 address {key.Address} on {key.Serial}"));

        // An HLW8032 sends unasked: its UART is its own (a BL0942 bus's first chip stands for the bus).
        ReportConflicts(
            [.. _serialLineClaims, .. _serialAddressClaims.GroupBy(c => c.Key.Serial).Select(g => g.OrderBy(c => c.Line).First()).Select(c => new Claim<string>(c.Key.Serial, $"the BL0942 bus ({c.Owner})", c.Line))],
            serial => $"serial line {serial}",
            (_, _) => " (an HLW8032 sends on its own and needs a UART of its own)");
        ReportConflicts(_sensorIdClaims, id => $"sensor id '{id}'");
        ReportConflicts(_deviceIdClaims, deviceId => $"DS18B20 {deviceId}");
        CheckBinIdsAgainstPortIds();
        CheckI2cAddresses(board.I2cBus);
        CheckMeterFullScale(siteShortCircuitLine);
        CheckMainsVoltageRange(mains, voltsPerAdcVoltLine);
        CheckMultiplexersServeOneThread(multiplexers, ports, bins);

        if (site is null || (mains is null && _acPorts.Count > 0))
        {
            return null;
        }

        return new SiteConfiguration
        {
            SourceFile = _fileName,
            Site = site,
            Board = board,
            Mains = mains,
            Adcs = adcs,
            Expanders = expanders,
            Multiplexers = multiplexers,
            Ports = ports,
            ShedSensors = shedSensors,
            PortProtection = portProtection,
            ShedProtection = shedProtection,
            Sampling = sampling,
            Bins = bins,
            BinThresholds = binThresholds,
            BinSampling = binSampling,
            Mqtt = mqtt,
            Rtc = rtc,
            Terminal = terminal,
            SupplyMeter = supplyMeter,
        };
    }

    // ---- sections ----------------------------------------------------------------------------------------------

    private static SiteIdentity? ReadSite(MappingReader root)
    {
        MappingReader m = root.Mapping("site", required: true, SiteKeys);
        string? id = m.String("id", required: true, SiteIdPattern(), SiteIdRule);
        string? gateway = m.String("gateway", required: true, SiteIdPattern(), SiteIdRule);
        string? name = m.String("name", required: false);
        return id is null || gateway is null ? null : new SiteIdentity(id, gateway, name);
    }

    private BoardSettings ReadBoard(MappingReader root, out int i2cBusLine)
    {
        MappingReader m = root.Mapping("board", required: false, BoardKeys);
        var defaults = new BoardSettings();
        int i2cBus = m.Int("i2cBus", required: false, 0, 31, "(/dev/i2c-N)") ?? defaults.I2cBus;
        int gpioChip = m.Int("gpioChip", required: false, 0, 15, "(/dev/gpiochipN)") ?? defaults.GpioChip;

        // An explicit null means "no 1-Wire bus"; an absent key means the default pin.
        int? oneWirePin = m.Contains("oneWirePin")
            ? m.Int("oneWirePin", required: false, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit)
            : defaults.OneWirePin;
        int oneWireLine = m.Contains("oneWirePin") ? m.LineOf("oneWirePin") : 0;
        i2cBusLine = m.Has("i2cBus") ? m.LineOf("i2cBus") : 0;

        if (oneWirePin is { } pin)
        {
            string owner = oneWireLine > 0
                ? "the 1-Wire bus (board.oneWirePin)"
                : Invariant($"the 1-Wire bus (board.oneWirePin defaults to {pin}; set it to null if there is no 1-Wire bus)");
            _gpioClaims.Add(new Claim<int>(pin, owner, oneWireLine, Priority: 1));
        }

        return new BoardSettings(i2cBus, gpioChip, oneWirePin);
    }

    private static SamplingSettings ReadSampling(MappingReader root)
    {
        MappingReader m = root.Mapping("sampling", required: false, SamplingKeys);
        var defaults = new SamplingSettings();
        return new SamplingSettings
        {
            CyclesPerMeasurement = m.Int("cyclesPerMeasurement", required: false, 1, 10, "mains cycles") ?? defaults.CyclesPerMeasurement,
            RoundPeriod = m.Duration("roundPeriodMs", required: false, 50, 10_000) ?? defaults.RoundPeriod,
            TemperaturePeriod = m.Duration("temperaturePeriodSeconds", required: false, 1, 600) ?? defaults.TemperaturePeriod,
            TelemetryPeriod = m.Duration("telemetryPeriodSeconds", required: false, 1, 3600) ?? defaults.TelemetryPeriod,
        };
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /// <summary>Records the first definition of an id; reports a later one.</summary>
    private bool Register(Dictionary<string, int> firstLines, string id, int line, string what)
    {
        if (firstLines.TryAdd(id, line))
        {
            return true;
        }

        _problems.Add(line, $"duplicate {what} '{id}'{AtLine(firstLines[id], "first defined at line")}");
        return false;
    }

    /// <summary>How messages name a list item: by its id when it has a usable one, else by its position (1-based).</summary>
    private static string ItemPath(string list, YamlNode item, int index)
    {
        string? id = MappingReader.PeekScalar(item, "id");
        return id is not null && IdPattern().IsMatch(id) ? $"{list}[{id}]" : Invariant($"{list}[#{index + 1}]");
    }

    private static bool MappingHasValue(MappingReader root, string section, string key) =>
        root.Node(section) is YamlMappingNode mapping
        && mapping.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value)
        && !YamlText.IsNull(value);

    private static string AtLine(int line, string words = "line") => line > 0 ? Invariant($" ({words} {line})") : "";

    // Ids go into MQTT topics and InfluxDB tags: the contract's id rule (ContractIds), lower-case for site and gateway.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SiteIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^28-[0-9a-f]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceIdPattern();
}
