using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static System.FormattableString;

namespace EdgeGateway.Configuration;

/// <summary>
/// Turns the YAML tree of one site file into a <see cref="SiteConfiguration"/>, reporting every problem:
/// first each section on its own (keys, types, ranges), then what only the whole file can show
/// (references between ids, pins, bus addresses and ADC channels used twice, thresholds a meter cannot reach).
/// The bins of a recycling station are read in SiteFileReader.Bins.cs.
/// </summary>
internal sealed partial class SiteFileReader
{
    private static readonly string[] RootKeys =
    [
        "site", "board", "mains", "adcs", "expanders", "multiplexers", "ports", "shedSensors", "protection", "sampling",
        "bins", "binThresholds", "binSampling", "mqtt",
    ];
    private static readonly string[] SiteKeys = ["id", "gateway", "name"];
    private static readonly string[] BoardKeys = ["i2cBus", "gpioChip", "oneWirePin"];
    private static readonly string[] MainsKeys = ["nominalVoltageV", "frequencyHz", "voltageSensor", "voltsPerAdcVolt"];
    private static readonly string[] AnalogChannelKeys = ["adc", "channel"];
    private static readonly string[] AdcKeys = ["id", "chip", "spiBus", "chipSelect", "clockHz", "referenceV"];
    private static readonly string[] ExpanderKeys = ["id", "chip", "address"];
    private static readonly string[] MultiplexerKeys = ["id", "chip", "address"];
    private static readonly string[] PortKeys = ["id", "meter", "relay", "protection", "disabled"];
    private static readonly string[] AcMeterKeys = ["type", "adc", "channel", "ampsPerAdcVolt"];
    private static readonly string[] DcMeterKeys = ["type", "address", "multiplexer", "multiplexerChannel", "shuntOhms", "maxCurrentA", "busVoltageDivider"];
    private static readonly string[] AnyMeterKeys = [.. AcMeterKeys.Union(DcMeterKeys, StringComparer.Ordinal)];
    private static readonly string[] RelayKeys = ["gpio", "expander", "pin", "activeLow"];
    private static readonly string[] ShedSensorKeys = ["thermometers", "smoke"];
    private static readonly string[] ThermometerKeys = ["id", "deviceId"];
    private static readonly string[] SmokeKeys = ["gpio", "activeLow"];
    private static readonly string[] ProtectionKeys = ["port", "shed"];
    private static readonly string[] ShedProtectionKeys = ["maxPowerW", "overloadDebounceMs", "overTemperatureC", "temperatureHysteresisC", "alarmClearSeconds"];
    private static readonly string[] SamplingKeys = ["cyclesPerMeasurement", "roundPeriodMs", "temperaturePeriodSeconds", "telemetryPeriodSeconds"];
    private static readonly string[] MqttKeys = ["broker", "caFile", "username", "passwordFile", "passwordEnvironmentVariable", "clientCertificateFile", "clientKeyFile"];

    /// <summary>The keys of <c>protection.port</c>, which are also the keys of a port's own <c>protection:</c> overrides.</summary>
    internal static readonly string[] PortProtectionKeys =
    [
        "maxPowerW", "overloadDebounceMs", "shortCircuitPeakA", "completeFloorW", "completeHoldMinutes", "noLoadW",
        "noLoadTimeoutSeconds", "maxSessionHours", "maliciousMinPowerFactor", "maliciousMinPowerW",
        "maliciousMaxVariationPct", "maliciousWindowSeconds", "relayFaultCurrentA", "sensorFaultReads", "stuckReadings",
    ];

    /// <summary>Both ADC chips have 8 single-ended channels.</summary>
    private const int AdcChannels = 8;

    /// <summary>The INA219's widest shunt-voltage range (PGA /8) is ±320 mV.</summary>
    private const double Ina219ShuntFullScaleV = 0.32;

    /// <summary>MCP3208: 2 MHz clock at VDD = 5 V (1 MHz at 2.7 V).</summary>
    private const int Mcp3208MaxClockHz = 2_000_000;

    /// <summary>Mains may run 10 % above nominal; the VT channel must not clip there.</summary>
    private const double MainsTolerance = 1.10;

    private const string IdRule = "use letters, digits, '-' and '_'";
    private const string SiteIdRule = "use lower-case letters, digits, '-' and '_', starting with a letter or digit (it goes into MQTT topics)";
    private const string GpioUnit = "(BCM numbering)";

    private readonly string fileName;
    private readonly ProblemCollector problems;

    private readonly Dictionary<string, AdcChip> adcsById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> adcLines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> expanderLines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> multiplexerLines = new(StringComparer.Ordinal);
    private readonly List<Reference> references = [];
    private readonly List<Claim<int>> gpioClaims = [];
    private readonly List<Claim<(string Adc, int Channel)>> adcChannelClaims = [];
    private readonly List<Claim<(int Bus, int ChipSelect)>> spiClaims = [];
    private readonly List<Claim<(string Expander, int Pin)>> expanderPinClaims = [];
    private readonly List<I2cDevice> i2cDevices = [];
    private readonly List<PortMeterFacts> meterFacts = [];
    private readonly Dictionary<string, int> portLines = new(StringComparer.Ordinal);
    private readonly List<(string Port, int Line)> acPorts = [];
    private readonly List<Claim<string>> sensorIdClaims = [];
    private readonly List<Claim<string>> deviceIdClaims = [];

    public SiteFileReader(string fileName, ProblemCollector problems)
    {
        this.fileName = fileName;
        this.problems = problems;
    }

    /// <summary>Reads the document's root node (null for an empty file). Returns null when a required part is unusable.</summary>
    public SiteConfiguration? Read(YamlNode? rootNode)
    {
        if (rootNode is null || YamlText.IsNull(rootNode))
        {
            problems.Add(1, $"the file is empty: a site file needs at least the 'site:' section, and ports or bins");
            return null;
        }

        var root = MappingReader.Read(problems, rootNode, "", YamlText.LineOf(rootNode), RootKeys);
        if (rootNode is not YamlMappingNode)
        {
            return null;
        }

        var site = ReadSite(root);
        var board = ReadBoard(root, out var i2cBusLine);
        var mains = ReadMains(root, out var voltsPerAdcVoltLine);
        var adcs = ReadAdcs(root);
        var expanders = ReadExpanders(root);
        var multiplexers = ReadMultiplexers(root);
        var (portProtection, shedProtection) = ReadProtection(root, out var siteShortCircuitLine);
        var ports = ReadPorts(root, portProtection);
        var shedSensors = ReadShedSensors(root, board);
        var sampling = ReadSampling(root);
        var mqtt = ReadMqtt(root);
        var binThresholds = ReadBinThresholds(root.Mapping("binThresholds", required: false, BinThresholdKeys), new BinThresholds(), inheritedFrom: "default");
        var bins = ReadBins(root, board, binThresholds);
        var binSampling = ReadBinSampling(root);

        CheckMainsForAcPorts(root);
        CheckReferences();
        ClaimBusPins(board, i2cBusLine);
        ReportConflicts(gpioClaims, pin => Invariant($"GPIO {pin}"));
        ReportConflicts(adcChannelClaims, key => Invariant($"{key.Adc} channel {key.Channel}"));
        ReportConflicts(spiClaims, key => Invariant($"SPI bus {key.Bus} chip select {key.ChipSelect}"));
        ReportConflicts(expanderPinClaims, key => Invariant($"expander {key.Expander} pin {key.Pin}"));
        ReportConflicts(sensorIdClaims, id => $"sensor id '{id}'");
        ReportConflicts(deviceIdClaims, deviceId => $"DS18B20 {deviceId}");
        CheckBinIdsAgainstPortIds();
        CheckI2cAddresses(board.I2cBus);
        CheckMeterFullScale(siteShortCircuitLine);
        CheckMainsVoltageRange(mains, voltsPerAdcVoltLine);
        CheckMultiplexersServeOneThread(multiplexers, ports, bins);

        if (site is null || (mains is null && acPorts.Count > 0))
        {
            return null;
        }

        return new SiteConfiguration
        {
            SourceFile = fileName,
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
        };
    }

    /// <summary>
    /// Ports are sampled on the protection thread and bins on their own. The TCA9548A binding selects a
    /// channel and then transfers, with no lock between the two, so one multiplexer carrying both a port
    /// meter and a bin sensor would let one thread's channel switch redirect the other's transfer.
    /// </summary>
    private void CheckMultiplexersServeOneThread(List<I2cMultiplexer> multiplexers, IReadOnlyList<ChargingPortDefinition> ports, IReadOnlyList<BinDefinition> bins)
    {
        foreach (I2cMultiplexer mux in multiplexers)
        {
            string[] meters = [.. ports.Where(p => p.Meter is DcMeterDefinition { Multiplexer: var m } && m == mux.Id).Select(p => p.Id)];
            string[] sensors = [.. bins.SelectMany(b => b.FillSensors).OfType<TimeOfFlightFillSensor>().Where(t => t.Multiplexer == mux.Id).Select(t => t.Id)];
            if (meters.Length > 0 && sensors.Length > 0)
            {
                problems.Add(mux.Line, $"multiplexer {mux.Id} carries port meters ({string.Join(", ", meters)}) and bin sensors ({string.Join(", ", sensors)}): ports and bins are sampled on separate threads and would switch its channels under each other; give the bins their own multiplexer");
            }
        }
    }

    // ---- sections ----------------------------------------------------------------------------------------------

    private static SiteIdentity? ReadSite(MappingReader root)
    {
        var m = root.Mapping("site", required: true, SiteKeys);
        var id = m.String("id", required: true, SiteIdPattern(), SiteIdRule);
        var gateway = m.String("gateway", required: true, SiteIdPattern(), SiteIdRule);
        var name = m.String("name", required: false);
        return id is null || gateway is null ? null : new SiteIdentity(id, gateway, name);
    }

    private BoardSettings ReadBoard(MappingReader root, out int i2cBusLine)
    {
        var m = root.Mapping("board", required: false, BoardKeys);
        var defaults = new BoardSettings();
        var i2cBus = m.Int("i2cBus", required: false, 0, 31, "(/dev/i2c-N)") ?? defaults.I2cBus;
        var gpioChip = m.Int("gpioChip", required: false, 0, 15, "(/dev/gpiochipN)") ?? defaults.GpioChip;

        // An explicit null means "no 1-Wire bus"; an absent key means the default pin.
        var oneWirePin = m.Contains("oneWirePin")
            ? m.Int("oneWirePin", required: false, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit)
            : defaults.OneWirePin;
        var oneWireLine = m.Contains("oneWirePin") ? m.LineOf("oneWirePin") : 0;
        i2cBusLine = m.Has("i2cBus") ? m.LineOf("i2cBus") : 0;

        if (oneWirePin is { } pin)
        {
            var owner = oneWireLine > 0
                ? "the 1-Wire bus (board.oneWirePin)"
                : Invariant($"the 1-Wire bus (board.oneWirePin defaults to {pin}; set it to null if there is no 1-Wire bus)");
            gpioClaims.Add(new Claim<int>(pin, owner, oneWireLine, Priority: 1));
        }

        return new BoardSettings(i2cBus, gpioChip, oneWirePin);
    }

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

    private (PortProtectionSettings Port, ShedProtectionSettings Shed) ReadProtection(MappingReader root, out int? shortCircuitLine)
    {
        var m = root.Mapping("protection", required: false, ProtectionKeys);
        var p = m.Mapping("port", required: false, PortProtectionKeys);
        var port = ReadPortProtection(p, new PortProtectionSettings());
        shortCircuitLine = p.Has("shortCircuitPeakA") ? p.LineOf("shortCircuitPeakA") : null;

        var s = m.Mapping("shed", required: false, ShedProtectionKeys);
        var defaults = new ShedProtectionSettings();
        var shed = new ShedProtectionSettings
        {
            MaxPowerW = s.Number("maxPowerW", required: false, 500, 50_000, "W") ?? defaults.MaxPowerW,
            OverloadDebounce = s.Duration("overloadDebounceMs", required: false, 0, 30_000) ?? defaults.OverloadDebounce,
            OverTemperatureC = s.Number("overTemperatureC", required: false, 30, 100, "°C") ?? defaults.OverTemperatureC,
            TemperatureHysteresisC = s.Number("temperatureHysteresisC", required: false, 1, 20, "°C") ?? defaults.TemperatureHysteresisC,
            AlarmClearAfter = s.Duration("alarmClearSeconds", required: false, 0, 3600) ?? defaults.AlarmClearAfter,
        };
        return (port, shed);
    }

    /// <summary>
    /// Reads port protection keys over <paramref name="defaults"/>: the site's <c>protection.port</c> over the
    /// model's defaults, or a port's own <c>protection:</c> over the site's.
    /// </summary>
    private PortProtectionSettings ReadPortProtection(MappingReader m, PortProtectionSettings defaults)
    {
        var settings = new PortProtectionSettings
        {
            MaxPowerW = m.Number("maxPowerW", required: false, 50, 3500, "W") ?? defaults.MaxPowerW,
            OverloadDebounce = m.Duration("overloadDebounceMs", required: false, 0, 10_000) ?? defaults.OverloadDebounce,
            ShortCircuitPeakA = m.Number("shortCircuitPeakA", required: false, 5, 200, "A (peak)") ?? defaults.ShortCircuitPeakA,
            CompleteFloorW = m.Number("completeFloorW", required: false, 1, 100, "W") ?? defaults.CompleteFloorW,
            CompleteHold = m.Duration("completeHoldMinutes", required: false, 0.05, 240) ?? defaults.CompleteHold,
            NoLoadW = m.Number("noLoadW", required: false, 0, 50, "W") ?? defaults.NoLoadW,
            NoLoadTimeout = m.Duration("noLoadTimeoutSeconds", required: false, 1, 600) ?? defaults.NoLoadTimeout,
            MaxSession = m.Duration("maxSessionHours", required: false, 0.01, 24) ?? defaults.MaxSession,
            MaliciousMinPowerFactor = m.Number("maliciousMinPowerFactor", required: false, 0.8, 1.0, "") ?? defaults.MaliciousMinPowerFactor,
            MaliciousMinPowerW = m.Number("maliciousMinPowerW", required: false, 50, 3000, "W") ?? defaults.MaliciousMinPowerW,
            MaliciousMaxVariation = m.Number("maliciousMaxVariationPct", required: false, 0.5, 20, "%") / 100 ?? defaults.MaliciousMaxVariation,
            MaliciousWindow = m.Duration("maliciousWindowSeconds", required: false, 1, 120) ?? defaults.MaliciousWindow,
            RelayFaultCurrentA = m.Number("relayFaultCurrentA", required: false, 0.02, 5, "A (RMS)") ?? defaults.RelayFaultCurrentA,
            SensorFaultReads = m.Int("sensorFaultReads", required: false, 1, 100, "consecutive reads") ?? defaults.SensorFaultReads,
            StuckReadings = m.Int("stuckReadings", required: false, 3, 1000, "consecutive readings") ?? defaults.StuckReadings,
        };

        if ((m.Has("noLoadW") || m.Has("completeFloorW")) && settings.NoLoadW >= settings.CompleteFloorW)
        {
            var key = m.Has("noLoadW") ? "noLoadW" : "completeFloorW";
            problems.Add(
                m.LineOf(key),
                $"{m.Path}: noLoadW {YamlText.Format(settings.NoLoadW)} W must be below completeFloorW {YamlText.Format(settings.CompleteFloorW)} W (at or below noLoadW nothing is plugged in; below completeFloorW a charge is finishing)");
        }

        return settings;
    }

    private List<ChargingPortDefinition> ReadPorts(MappingReader root, PortProtectionSettings siteProtection)
    {
        var result = new List<ChargingPortDefinition>();
        var items = root.List("ports");
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var m = MappingReader.Read(problems, item, ItemPath("ports", item, i), YamlText.LineOf(item), PortKeys);
            var id = m.String("id", required: true, IdPattern(), IdRule);
            var portName = id is null ? m.Path : $"port {id}";

            var protectionReader = m.Mapping("protection", required: false, PortProtectionKeys);
            var protection = ReadPortProtection(protectionReader, siteProtection);
            var context = new PortContext(
                id ?? m.Path,
                portName,
                protection,
                protectionReader.Has("shortCircuitPeakA") ? protectionReader.LineOf("shortCircuitPeakA") : null,
                protectionReader.Name("shortCircuitPeakA"));

            var meter = ReadMeter(m, context);
            var relay = ReadRelay(m, portName);
            var disabled = m.Bool("disabled") ?? false;

            if (id is not null && !Register(portLines, id, m.Line, "port id"))
            {
                continue;
            }

            if (id is not null && meter is not null && relay is not null)
            {
                result.Add(new ChargingPortDefinition
                {
                    Id = id,
                    Meter = meter,
                    Relay = relay,
                    Protection = protection,
                    Disabled = disabled,
                    Line = m.Line,
                });
            }
        }

        return result;
    }

    private PortMeterDefinition? ReadMeter(MappingReader port, PortContext context)
    {
        var type = port.Node("meter") is { } meterNode ? MappingReader.PeekScalar(meterNode, "type")?.Trim() : null;
        var isAc = string.Equals(type, "ac", StringComparison.OrdinalIgnoreCase);
        var isDc = string.Equals(type, "dc", StringComparison.OrdinalIgnoreCase);
        var allowed = isAc ? AcMeterKeys : isDc ? DcMeterKeys : AnyMeterKeys;
        Func<string, string?> misplaced = key =>
            isAc && DcMeterKeys.Contains(key, StringComparer.Ordinal) ? $"'{key}' is a dc meter key, but this meter is type ac"
            : isDc && AcMeterKeys.Contains(key, StringComparer.Ordinal) ? $"'{key}' is an ac meter key, but this meter is type dc"
            : null;

        var m = port.Mapping("meter", required: true, allowed, misplaced);
        var kind = m.Choice("type", required: true, "ac", "dc");
        if (kind == "ac")
        {
            acPorts.Add((context.Label, m.LineOf("type")));
        }

        return kind switch
        {
            "ac" => ReadAcMeter(m, context),
            "dc" => ReadDcMeter(m, context),
            _ => null,
        };
    }

    private AcMeterDefinition? ReadAcMeter(MappingReader m, PortContext context)
    {
        var adc = m.String("adc", required: true);
        var channel = m.Int("channel", required: true, 0, AdcChannels - 1, "(ADC input)");
        var ampsPerAdcVolt = m.Number("ampsPerAdcVolt", required: true, 1, 1000, "A/V (CT primary amps per volt at the ADC pin)");

        if (adc is not null)
        {
            references.Add(new Reference(ReferenceKind.Adc, adc, m.LineOf("adc"), m.Name("adc")));
        }

        if (adc is not null && channel is not null)
        {
            adcChannelClaims.Add(new Claim<(string, int)>((adc, channel.Value), $"current sensor of {context.Name}", m.LineOf("channel")));
        }

        if (adc is null || channel is null || ampsPerAdcVolt is null)
        {
            return null;
        }

        meterFacts.Add(new PortMeterFacts(context, m.LineOf("ampsPerAdcVolt"), adc, ampsPerAdcVolt.Value, null, null));
        return new AcMeterDefinition(new AnalogChannel(adc, channel.Value, m.LineOf("channel")), ampsPerAdcVolt.Value, m.Line);
    }

    private DcMeterDefinition? ReadDcMeter(MappingReader m, PortContext context)
    {
        var address = m.Int("address", required: true, 0x40, 0x4F, "(INA219, set by A0/A1)", hex: true);
        var multiplexer = m.String("multiplexer", required: false);
        var multiplexerChannel = m.Int("multiplexerChannel", required: multiplexer is not null, 0, 7, "(TCA9548A channel)");
        var shuntOhms = m.Number("shuntOhms", required: true, 0.0001, 10, "Ω");
        var maxCurrentA = m.Number("maxCurrentA", required: true, 0.1, 50, "A");
        var divider = m.Number("busVoltageDivider", required: false, 1, 20, "(pack volts per volt at the INA219)") ?? 1;

        if (m.Has("multiplexerChannel") && !m.Has("multiplexer"))
        {
            problems.Add(m.LineOf("multiplexerChannel"), $"{m.Name("multiplexerChannel")}: a multiplexer channel needs 'multiplexer: ID' (which TCA9548A the INA219 sits behind)");
        }

        if (multiplexer is not null)
        {
            references.Add(new Reference(ReferenceKind.Multiplexer, multiplexer, m.LineOf("multiplexer"), m.Name("multiplexer")));
        }

        var onMainBus = multiplexer is null && !m.Has("multiplexerChannel");
        var behindMux = multiplexer is not null && multiplexerChannel is not null;
        if (address is { } a && (onMainBus || behindMux))
        {
            i2cDevices.Add(new I2cDevice(a, multiplexer, multiplexerChannel, $"INA219 of {context.Name}", m.LineOf("address")));
        }

        if (address is null || shuntOhms is null || maxCurrentA is null || (multiplexer is not null && multiplexerChannel is null))
        {
            return null;
        }

        var limitLine = m.LineOf("shuntOhms");
        meterFacts.Add(new PortMeterFacts(context, limitLine, null, 0, shuntOhms, maxCurrentA));
        return new DcMeterDefinition(address.Value, multiplexer, multiplexerChannel, shuntOhms.Value, maxCurrentA.Value, divider, m.Line);
    }

    private RelayOutput? ReadRelay(MappingReader port, string portName)
    {
        var m = port.Mapping("relay", required: true, RelayKeys);
        var gpio = m.Int("gpio", required: false, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        var expander = m.String("expander", required: false);
        var pin = m.Int("pin", required: false, 0, 15, "(MCP23017 GPA0-7 = 0-7, GPB0-7 = 8-15)");
        var activeLow = m.Bool("activeLow") ?? false;
        var owner = $"relay of {portName}";

        if (!m.IsPresent)
        {
            return null;
        }

        if (m.Has("gpio") && (m.Has("expander") || m.Has("pin")))
        {
            problems.Add(m.Line, $"{m.Path}: give either 'gpio: N' or 'expander: ID' with 'pin: N', not both");
            return null;
        }

        if (m.Has("gpio"))
        {
            if (gpio is null)
            {
                return null;
            }

            gpioClaims.Add(new Claim<int>(gpio.Value, owner, m.LineOf("gpio")));
            return new RelayOutput(gpio, null, null, activeLow, m.Line);
        }

        if (m.Has("expander"))
        {
            if (!m.Has("pin"))
            {
                problems.Add(m.Line, $"{m.Path}: missing required key 'pin' (the MCP23017 pin 0..15 driving the relay)");
            }

            if (expander is not null)
            {
                references.Add(new Reference(ReferenceKind.Expander, expander, m.LineOf("expander"), m.Name("expander")));
            }

            if (expander is null || pin is null)
            {
                return null;
            }

            expanderPinClaims.Add(new Claim<(string, int)>((expander, pin.Value), owner, m.LineOf("pin")));
            return new RelayOutput(null, expander, pin, activeLow, m.Line);
        }

        if (m.Has("pin"))
        {
            problems.Add(m.LineOf("pin"), $"{m.Name("pin")}: a pin needs 'expander: ID' (which MCP23017 it is on)");
        }
        else
        {
            problems.Add(m.Line, $"{m.Path}: give either 'gpio: N' (a board GPIO, BCM 0..27) or 'expander: ID' with 'pin: N' (0..15)");
        }

        return null;
    }

    private ShedSensorSettings ReadShedSensors(MappingReader root, BoardSettings board)
    {
        var m = root.Mapping("shedSensors", required: false, ShedSensorKeys);
        var thermometers = new List<ThermometerDefinition>();
        var idLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var deviceIdLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var items = m.List("thermometers");
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var t = MappingReader.Read(problems, item, ItemPath(m.Name("thermometers"), item, i), YamlText.LineOf(item), ThermometerKeys);
            var id = t.String("id", required: true, IdPattern(), IdRule);
            var deviceId = t.String("deviceId", required: true, DeviceIdPattern(), "a DS18B20's kernel id is '28-' and 12 lower-case hex digits, as listed in /sys/bus/w1/devices");
            var idOk = id is null || Register(idLines, id, t.Line, "thermometer id");
            var deviceOk = deviceId is null || Register(deviceIdLines, deviceId, t.LineOf("deviceId"), "thermometer deviceId");

            // Sensor ids and DS18B20s are unique across the shed and the bins too (checked with the bins').
            if (id is not null && idOk)
            {
                sensorIdClaims.Add(new Claim<string>(id, $"shed thermometer {id}", t.Line));
            }

            if (deviceId is not null && deviceOk)
            {
                deviceIdClaims.Add(new Claim<string>(deviceId, $"shed thermometer {id ?? t.Path}", t.LineOf("deviceId")));
            }

            if (id is not null && deviceId is not null && idOk && deviceOk)
            {
                thermometers.Add(new ThermometerDefinition(id, deviceId, t.Line));
            }
        }

        if (items.Count > 0 && board.OneWirePin is null && !MappingHasValue(root, "board", "oneWirePin"))
        {
            problems.Add(m.LineOf("thermometers"), $"{m.Name("thermometers")}: DS18B20 thermometers need the 1-Wire bus, but board.oneWirePin is null");
        }

        SmokeInput? smoke = null;
        var s = m.Mapping("smoke", required: false, SmokeKeys);
        if (s.IsPresent)
        {
            var gpio = s.Int("gpio", required: true, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
            var activeLow = s.Bool("activeLow") ?? false;
            if (gpio is not null)
            {
                gpioClaims.Add(new Claim<int>(gpio.Value, "smoke detector input", s.LineOf("gpio")));
                smoke = new SmokeInput(gpio.Value, activeLow, s.Line);
            }
        }

        return new ShedSensorSettings { Thermometers = thermometers, Smoke = smoke };
    }

    private static SamplingSettings ReadSampling(MappingReader root)
    {
        var m = root.Mapping("sampling", required: false, SamplingKeys);
        var defaults = new SamplingSettings();
        return new SamplingSettings
        {
            CyclesPerMeasurement = m.Int("cyclesPerMeasurement", required: false, 1, 10, "mains cycles") ?? defaults.CyclesPerMeasurement,
            RoundPeriod = m.Duration("roundPeriodMs", required: false, 50, 10_000) ?? defaults.RoundPeriod,
            TemperaturePeriod = m.Duration("temperaturePeriodSeconds", required: false, 1, 600) ?? defaults.TemperaturePeriod,
            TelemetryPeriod = m.Duration("telemetryPeriodSeconds", required: false, 1, 3600) ?? defaults.TelemetryPeriod,
        };
    }

    private MqttSiteSettings? ReadMqtt(MappingReader root)
    {
        var m = root.Mapping("mqtt", required: false, MqttKeys);
        if (!m.IsPresent)
        {
            return null;
        }

        var broker = m.String("broker", required: true);
        var caFile = m.String("caFile", required: false);
        var username = m.String("username", required: false);
        var passwordFile = m.String("passwordFile", required: false);
        var passwordVariable = m.String("passwordEnvironmentVariable", required: false);
        var certificate = m.String("clientCertificateFile", required: false);
        var key = m.String("clientKeyFile", required: false);
        if (broker is null)
        {
            return null;
        }

        int line = m.LineOf("broker");
        bool special = broker is "embedded" or "none";
        if (!special && !(Uri.TryCreate(broker, UriKind.Absolute, out Uri? uri) && uri.Scheme is "mqtt" or "mqtts" && !uri.IsDefaultPort))
        {
            problems.Add(line, $"mqtt.broker: '{broker}' is not embedded, none, mqtts://host:port or mqtt://127.0.0.1:port");
            return null;
        }

        if (!special)
        {
            var target = new Uri(broker);
            if (target.Scheme == "mqtt" && !target.IsLoopback)
            {
                problems.Add(line, $"mqtt.broker: plain MQTT to {target.Host} would send credentials and alarms in clear: use mqtts:// (TLS) for any broker off this machine");
            }

            if (target.Scheme == "mqtts" && caFile is null)
            {
                problems.Add(line, $"mqtt.broker: mqtts needs caFile, the CA that signs the broker's certificate");
            }

            if (!target.IsLoopback && username is null && certificate is null)
            {
                problems.Add(line, $"mqtt: a broker off this machine ({target.Host}) needs the gateway's credentials: username with passwordFile or passwordEnvironmentVariable, or clientCertificateFile and clientKeyFile");
            }
        }

        if (username is not null && passwordFile is null && passwordVariable is null)
        {
            problems.Add(m.LineOf("username"), $"mqtt.username: say where the password is (passwordFile or passwordEnvironmentVariable); it is never written in the site file");
        }

        if ((certificate is null) != (key is null))
        {
            problems.Add(m.LineOf(certificate is null ? "clientKeyFile" : "clientCertificateFile"), $"mqtt: clientCertificateFile and clientKeyFile go together");
        }

        return new MqttSiteSettings(broker, caFile, username, passwordFile, passwordVariable, certificate, key, m.Line);
    }

    // ---- whole-file checks -------------------------------------------------------------------------------------

    private void CheckReferences()
    {
        foreach (var reference in references)
        {
            var (defined, kind, section) = Definitions(reference.Kind);
            var ids = defined.Keys.ToList();
            if (ids.Contains(reference.Id, StringComparer.Ordinal))
            {
                continue;
            }

            var closest = YamlText.ClosestMatch(reference.Id, ids);
            var suggestion = closest is null ? "" : $" (did you mean '{closest}'?)";
            var known = ids.Count == 0
                ? $"no {kind}s are defined (add them under '{section}:')"
                : $"defined {kind}s: {string.Join(", ", ids)}";
            problems.Add(reference.Line, $"{reference.Name}: unknown {kind} '{reference.Id}'{suggestion}; {known}");
        }
    }

    private (Dictionary<string, int> Defined, string Kind, string Section) Definitions(ReferenceKind kind) => kind switch
    {
        ReferenceKind.Adc => (adcLines, "ADC", "adcs"),
        ReferenceKind.Expander => (expanderLines, "expander", "expanders"),
        _ => (multiplexerLines, "multiplexer", "multiplexers"),
    };

    /// <summary>The GPIOs the buses in use occupy: they belong to the bus, so anything else on them is the conflict.</summary>
    private void ClaimBusPins(BoardSettings board, int i2cBusLine)
    {
        if (i2cDevices.Count > 0 && RaspberryPiPins.I2cPins(board.I2cBus) is var (sda, scl))
        {
            var line = i2cBusLine > 0 ? i2cBusLine : i2cDevices.Min(d => d.Line);
            gpioClaims.Add(new Claim<int>(sda, Invariant($"I2C bus {board.I2cBus} SDA"), line, Priority: 0));
            gpioClaims.Add(new Claim<int>(scl, Invariant($"I2C bus {board.I2cBus} SCL"), line, Priority: 0));
        }

        // spiClaims holds every ADC whose bus and chip select are valid, even if another of its keys is not.
        foreach (var bus in spiClaims.GroupBy(c => c.Key.Bus))
        {
            var first = bus.MinBy(c => c.Line)!;
            foreach (var (pin, signal) in RaspberryPiPins.SpiDataPins(bus.Key))
            {
                gpioClaims.Add(new Claim<int>(pin, Invariant($"SPI{bus.Key} {signal} (used by {first.Owner})"), first.Line, Priority: 0));
            }

            foreach (var chipSelect in bus.GroupBy(c => c.Key.ChipSelect))
            {
                var user = chipSelect.MinBy(c => c.Line)!;
                if (RaspberryPiPins.ChipSelectPin(bus.Key, chipSelect.Key) is { } pin)
                {
                    gpioClaims.Add(new Claim<int>(pin, Invariant($"SPI{bus.Key} CE{chipSelect.Key} (chip select of {user.Owner})"), user.Line, Priority: 0));
                }
            }
        }
    }

    private void ReportConflicts<TKey>(List<Claim<TKey>> claims, Func<TKey, string> subject, Func<Claim<TKey>, Claim<TKey>, string>? advice = null)
        where TKey : notnull
    {
        foreach (var group in claims.GroupBy(c => c.Key))
        {
            Claim<TKey>? first = null;
            foreach (var claim in group.OrderBy(c => c.Priority).ThenBy(c => c.Line))
            {
                if (first is null)
                {
                    first = claim;
                    continue;
                }

                var line = claim.Line > 0 ? claim.Line : first.Line;
                problems.Add(line, $"{subject(group.Key)} is used twice: {claim.Owner} and {first.Owner}{AtLine(first.Line)}{advice?.Invoke(claim, first)}");
            }
        }
    }

    /// <summary>
    /// Addresses must be unique on the main bus and on each multiplexer channel. A device on the main bus is
    /// also reachable through every multiplexer channel, so it conflicts with the same address behind a mux.
    /// Two time-of-flight sensors (both chips boot at 0x29) get the usual fix added to the message.
    /// </summary>
    private void CheckI2cAddresses(int bus)
    {
        var main = i2cDevices.Where(d => d.Multiplexer is null).ToList();
        ReportConflicts(
            [.. main.Select(d => new Claim<int>(d.Address, d.Owner, d.Line, Kind: d.Kind))],
            address => Invariant($"I2C address {YamlText.FormatHex(address)} on the main I2C bus (i2c-{bus})"),
            (a, b) => TimeOfFlightAdvice(a.Kind, b.Kind, a.Key));

        foreach (var channel in i2cDevices.Where(d => d.Multiplexer is not null).GroupBy(d => (d.Multiplexer, d.MultiplexerChannel)))
        {
            ReportConflicts(
                [.. channel.Select(d => new Claim<int>(d.Address, d.Owner, d.Line, Kind: d.Kind))],
                address => Invariant($"I2C address {YamlText.FormatHex(address)} on {channel.Key.Multiplexer} channel {channel.Key.MultiplexerChannel}"),
                (a, b) => TimeOfFlightAdvice(a.Kind, b.Kind, a.Key));

            foreach (var device in channel)
            {
                var onMain = main.Where(d => d.Address == device.Address).MinBy(d => d.Line);
                if (onMain is null)
                {
                    continue;
                }

                var behindMux = Invariant($"{device.Owner} on {device.Multiplexer} channel {device.MultiplexerChannel}");
                var mainBus = $"{onMain.Owner} on the main I2C bus";
                var (line, later, earlier, earlierLine) = device.Line >= onMain.Line
                    ? (device.Line, behindMux, mainBus, onMain.Line)
                    : (onMain.Line, mainBus, behindMux, device.Line);
                problems.Add(line, $"I2C address {YamlText.FormatHex(device.Address)} is used twice: {later} and {earlier}{AtLine(earlierLine)}; a device on the main I2C bus answers on every multiplexer channel too{TimeOfFlightAdvice(device.Kind, onMain.Kind, device.Address)}");
            }
        }
    }

    /// <summary>
    /// A short-circuit threshold at or above what the meter can read would never trip. A port's own override is
    /// reported at the override; the site-wide value once, at <c>protection.port</c>, naming the ports it fails on.
    /// </summary>
    private void CheckMeterFullScale(int? siteShortCircuitLine)
    {
        var inherited = new List<(PortMeterFacts Facts, double FullScale, string Why)>();
        foreach (var facts in meterFacts)
        {
            double fullScale;
            string why;
            if (facts.Adc is not null && adcsById.TryGetValue(facts.Adc, out var adc))
            {
                // The CT's burden voltage rides on a mid-supply bias: the ADC sees ±referenceV/2 around it.
                fullScale = adc.ReferenceV / 2 * facts.AmpsPerAdcVolt;
                why = $"referenceV {YamlText.Format(adc.ReferenceV)} V / 2 × ampsPerAdcVolt {YamlText.Format(facts.AmpsPerAdcVolt)} A/V; the CT is biased at mid-supply";
            }
            else if (facts.ShuntOhms is { } shunt && facts.MaxCurrentA is { } maxCurrent)
            {
                // The port meter reads current from the shunt register (see Ina219PortMeter), whose full
                // scale at PGA ÷8 is 0.32 V; maxCurrentA only sizes the chip's own Current register.
                _ = maxCurrent;
                fullScale = Ina219ShuntFullScaleV / shunt;
                why = $"the INA219's shunt input saturates at 0.32 V / shuntOhms {YamlText.Format(shunt)} Ω";
            }
            else
            {
                continue;
            }

            var threshold = facts.Port.Protection.ShortCircuitPeakA;
            if (threshold < fullScale)
            {
                continue;
            }

            if (facts.Port.ShortCircuitOverrideLine is { } line)
            {
                problems.Add(line, $"{facts.Port.ShortCircuitOverrideName}: {YamlText.Format(threshold)} A is unreachable: the channel saturates at {YamlText.Format(fullScale)} A ({why})");
            }
            else
            {
                inherited.Add((facts, fullScale, why));
            }
        }

        foreach (var group in inherited.GroupBy(x => (x.FullScale, x.Why)))
        {
            var first = group.First();
            var threshold = first.Facts.Port.Protection.ShortCircuitPeakA;
            var ports = group.Select(x => x.Facts.Port.Label).ToList();
            var which = ports.Count == 1 ? $"port {ports[0]}: its channel saturates" : $"ports {string.Join(", ", ports)}: their channels saturate";
            if (siteShortCircuitLine is { } line)
            {
                problems.Add(line, $"protection.port.shortCircuitPeakA: {YamlText.Format(threshold)} A is unreachable on {which} at {YamlText.Format(group.Key.FullScale)} A ({group.Key.Why})");
            }
            else
            {
                problems.Add(
                    first.Facts.FullScaleLine,
                    $"shortCircuitPeakA (default {YamlText.Format(threshold)} A) is unreachable on {which} at {YamlText.Format(group.Key.FullScale)} A ({group.Key.Why}); set protection.port.shortCircuitPeakA or the port's own protection override below it");
            }
        }
    }

    /// <summary>The VT channel must read the mains peak (with +10 % tolerance) without clipping.</summary>
    private void CheckMainsVoltageRange(MainsSettings? mains, int voltsPerAdcVoltLine)
    {
        if (mains is null || !adcsById.TryGetValue(mains.VoltageSensor.Adc, out var adc))
        {
            return;
        }

        var fullScalePeak = adc.ReferenceV / 2 * mains.VoltsPerAdcVolt;
        var neededPeak = mains.NominalVoltageV * Math.Sqrt(2) * MainsTolerance;
        if (fullScalePeak < neededPeak)
        {
            problems.Add(
                voltsPerAdcVoltLine,
                $"mains.voltsPerAdcVolt: the voltage channel saturates at {YamlText.Format(Math.Round(fullScalePeak, 1))} V peak ({adc.Id} referenceV {YamlText.Format(adc.ReferenceV)} V / 2 × {YamlText.Format(mains.VoltsPerAdcVolt)} V/V), below the {YamlText.Format(Math.Round(neededPeak, 1))} V peak of {YamlText.Format(mains.NominalVoltageV)} V mains +10 %; check the VT calibration");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /// <summary>Records the first definition of an id; reports a later one.</summary>
    private bool Register(Dictionary<string, int> firstLines, string id, int line, string what)
    {
        if (firstLines.TryAdd(id, line))
        {
            return true;
        }

        problems.Add(line, $"duplicate {what} '{id}'{AtLine(firstLines[id], "first defined at line")}");
        return false;
    }

    /// <summary>How messages name a list item: by its id when it has a usable one, else by its position (1-based).</summary>
    private static string ItemPath(string list, YamlNode item, int index)
    {
        var id = MappingReader.PeekScalar(item, "id");
        return id is not null && IdPattern().IsMatch(id) ? $"{list}[{id}]" : Invariant($"{list}[#{index + 1}]");
    }

    private static bool MappingHasValue(MappingReader root, string section, string key) =>
        root.Node(section) is YamlMappingNode mapping
        && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value)
        && !YamlText.IsNull(value);

    private static string AtLine(int line, string words = "line") => line > 0 ? Invariant($" ({words} {line})") : "";

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SiteIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^28-[0-9a-f]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceIdPattern();

    private enum ReferenceKind
    {
        Adc,
        Expander,
        Multiplexer,
    }

    private sealed record Reference(ReferenceKind Kind, string Id, int Line, string Name);

    /// <summary>
    /// One user of a resource (a pin, a channel, a chip select). Lower <paramref name="Priority"/> owns the
    /// resource (buses, then the 1-Wire overlay, then everything else in file order); the others are reported.
    /// Line 0 means the claim comes from a default, not from a line of the file. <paramref name="Kind"/> says what
    /// sort of device the user is, where that changes the advice a message gives.
    /// </summary>
    private sealed record Claim<TKey>(TKey Key, string Owner, int Line, int Priority = 2, string? Kind = null);

    private sealed record I2cDevice(int Address, string? Multiplexer, int? MultiplexerChannel, string Owner, int Line, string? Kind = null);

    /// <summary>
    /// A port as its meter sees it: <paramref name="Label"/> is its id (or its position when the id is unusable),
    /// <paramref name="Name"/> how messages name it, and where its own short-circuit override is, if it has one.
    /// </summary>
    private sealed record PortContext(string Label, string Name, PortProtectionSettings Protection, int? ShortCircuitOverrideLine, string ShortCircuitOverrideName);

    /// <summary>What the full-scale check needs about one port's meter (AC: ADC and CT; DC: INA219 shunt and range).</summary>
    private sealed record PortMeterFacts(
        PortContext Port,
        int FullScaleLine,
        string? Adc,
        double AmpsPerAdcVolt,
        double? ShuntOhms,
        double? MaxCurrentA);
}
