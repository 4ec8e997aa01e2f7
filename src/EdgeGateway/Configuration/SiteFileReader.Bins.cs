using YamlDotNet.RepresentationModel;
using static System.FormattableString;

namespace EdgeGateway.Configuration;

// The bins of a smart recycling station: `bins:`, `binThresholds:` and `binSampling:`. Bin pins, I2C sensors,
// thermometers and ids join the whole-file checks of SiteFileReader.Checks.cs (pins used twice, I2C addresses, ...).
internal sealed partial class SiteFileReader
{
    /// <summary>The keys of <c>binThresholds</c>, which are also the keys of a bin's own <c>thresholds:</c> overrides.</summary>
    internal static readonly string[] BinThresholdKeys =
    [
        "nearlyFullPct", "overflowPct", "emptyPct", "hysteresisPct", "collectionDropPct", "maxRisePct", "fireTemperatureC",
        "fireRiseCPerMinute", "lidOpenMinutes", "sensorDisagreementPct", "noEchoSamples", "untimedSamples", "stuckSamples", "alarmClearMinutes",
    ];

    private static readonly string[] BinKeys = ["id", "class", "geometry", "fill", "weight", "thermometer", "lid", "tilt", "thresholds"];
    private static readonly string[] GeometryKeys = ["sensorToBottomMm", "sensorToFullMm", "calibration"];
    private static readonly string[] CalibrationPointKeys = ["distanceMm", "fillPct"];
    private static readonly string[] UltrasonicKeys = ["id", "type", "model", "triggerGpio", "echoGpio"];
    private static readonly string[] TimeOfFlightKeys = ["id", "type", "chip", "address", "multiplexer", "multiplexerChannel"];
    private static readonly string[] AnyFillSensorKeys = [.. UltrasonicKeys.Union(TimeOfFlightKeys, StringComparer.Ordinal)];
    private static readonly string[] WeightKeys = ["dataGpio", "clockGpio", "countsPerKg", "capacityKg", "zeroCounts"];
    private static readonly string[] ContactKeys = ["gpio", "activeLow"];
    private static readonly string[] BinSamplingKeys = ["periodSeconds", "readingsPerSample"];

    /// <summary>The four classes of the national standard (GB/T 19095-2019), by their English and Chinese names.</summary>
    private static readonly (string English, string Chinese, BinClass Class)[] BinClasses =
    [
        ("recyclable", "可回收物", BinClass.Recyclable),
        ("kitchen", "厨余垃圾", BinClass.Kitchen),
        ("hazardous", "有害垃圾", BinClass.Hazardous),
        ("other", "其他垃圾", BinClass.Other),
    ];

    /// <summary>Shanghai's names for two of the classes: suggested, not accepted (the file uses the national names).</summary>
    private static readonly Dictionary<string, string> RegionalBinClassNames = new(StringComparer.Ordinal)
    {
        ["湿垃圾"] = "厨余垃圾",
        ["干垃圾"] = "其他垃圾",
    };

    /// <summary>One sensor, or a redundant pair.</summary>
    private const int MaxFillSensors = 2;

    /// <summary>The full line must be at least this far above the bottom.</summary>
    private const double MinFillSpanMm = 50;

    private const double MaxSensorToBottomMm = 5000;

    /// <summary>VL53L0X and VL53L1X both boot at 0x29 (the address can be changed only until the next power cycle).</summary>
    private const int DefaultTimeOfFlightAddress = 0x29;

    private const string TimeOfFlightKind = "tof";

    private readonly Dictionary<string, int> _binLines = new(StringComparer.Ordinal);

    // ---- sections ----------------------------------------------------------------------------------------------

    private List<BinDefinition> ReadBins(MappingReader root, BoardSettings board, BinThresholds siteThresholds)
    {
        var result = new List<BinDefinition>();
        IReadOnlyList<YamlNode> items = root.List("bins");
        for (int i = 0; i < items.Count; i++)
        {
            YamlNode item = items[i];
            var m = MappingReader.Read(_problems, item, ItemPath("bins", item, i), YamlText.LineOf(item), BinKeys);
            string? id = m.String("id", required: true, IdPattern(), IdRule);
            bool isNewId = id is not null && Register(_binLines, id, m.Line, "bin id");
            string binName = id is null ? m.Path : $"bin {id}";

            BinClass? binClass = ReadBinClass(m);
            BinGeometry? geometry = ReadGeometry(m, out GeometryFacts? facts);
            List<FillSensorDefinition>? fill = item is YamlMappingNode ? ReadFillSensors(m, binName, facts) : null;
            WeightSensorDefinition? weight = ReadWeight(m, binName);
            ThermometerDefinition? thermometer = ReadBinThermometer(root, m, binName, board);
            ContactInputDefinition? lid = ReadContact(m, "lid", $"lid switch of {binName}");
            ContactInputDefinition? tilt = ReadContact(m, "tilt", $"tilt switch of {binName}");
            BinThresholds thresholds = ReadBinThresholds(m.Mapping("thresholds", required: false, BinThresholdKeys), siteThresholds, inheritedFrom: "binThresholds");

            if (!isNewId || binClass is null || geometry is null || fill is null)
            {
                continue;
            }

            result.Add(new BinDefinition
            {
                Id = id!,
                Class = binClass.Value,
                Geometry = geometry,
                FillSensors = fill,
                Weight = weight,
                Thermometer = thermometer,
                Lid = lid,
                Tilt = tilt,
                Thresholds = thresholds,
                Line = m.Line,
            });
        }

        return result;
    }

    private BinClass? ReadBinClass(MappingReader bin)
    {
        string? text = bin.String("class", required: true);
        if (text is null)
        {
            return null;
        }

        string trimmed = text.Trim();
        foreach ((string? english, string? chinese, BinClass binClass) in BinClasses)
        {
            if (string.Equals(trimmed, english, StringComparison.OrdinalIgnoreCase) || string.Equals(trimmed, chinese, StringComparison.Ordinal))
            {
                return binClass;
            }
        }

        string? closest = RegionalBinClassNames.GetValueOrDefault(trimmed)
            ?? YamlText.ClosestMatch(trimmed, BinClasses.SelectMany(c => new[] { c.English, c.Chinese }));
        string suggestion = closest is null ? "" : $" (did you mean '{closest}'?)";
        string allowed = string.Join(", ", BinClasses.Select(c => $"{c.English} ({c.Chinese})"));
        _problems.Add(bin.LineOf("class"), $"{bin.Name("class")}: '{text}' is not a bin class{suggestion}; allowed: {allowed}");
        return null;
    }

    private BinGeometry? ReadGeometry(MappingReader bin, out GeometryFacts facts)
    {
        MappingReader m = bin.Mapping("geometry", required: true, GeometryKeys);
        double? bottom = m.Number("sensorToBottomMm", required: true, 100, MaxSensorToBottomMm, "mm");
        double? full = m.Number("sensorToFullMm", required: true, 0, MaxSensorToBottomMm - MinFillSpanMm, "mm");
        if (bottom is { } b && full is { } f && f > b - MinFillSpanMm)
        {
            _problems.Add(
                m.LineOf("sensorToFullMm"),
                $"{m.Name("sensorToFullMm")}: {YamlText.Format(f)} is out of range (allowed 0..{YamlText.Format(b - MinFillSpanMm)} mm: the full line must be at least {YamlText.Format(MinFillSpanMm)} mm above the bottom, which is sensorToBottomMm {YamlText.Format(b)} mm from the sensor)");
            full = null;
        }

        facts = new GeometryFacts(bottom, m.LineOf("sensorToBottomMm"), full, m.LineOf("sensorToFullMm"));
        List<FillCalibrationPoint>? calibration = ReadCalibration(m);
        return bottom is null || full is null || calibration is null
            ? null
            : new BinGeometry(bottom.Value, full.Value, calibration);
    }

    /// <summary>
    /// The optional calibration table. Fill is a function of distance: the nearer the surface, the fuller the bin,
    /// so sorted from far to near the distances strictly fall and the fill strictly rises. Kept in file order.
    /// </summary>
    private List<FillCalibrationPoint>? ReadCalibration(MappingReader geometry)
    {
        if (!geometry.Has("calibration"))
        {
            return [];
        }

        IReadOnlyList<YamlNode> items = geometry.List("calibration");
        if (geometry.Node("calibration") is not YamlSequenceNode)
        {
            return null;
        }

        if (items.Count < 2)
        {
            _problems.Add(geometry.LineOf("calibration"), $"{geometry.Name("calibration")}: a calibration table needs at least 2 points ({{ distanceMm, fillPct }}), got {items.Count}; leave 'calibration' out for a straight-sided bin");
            return null;
        }

        var points = new List<(FillCalibrationPoint Point, int Line)>();
        bool complete = true;
        for (int i = 0; i < items.Count; i++)
        {
            YamlNode item = items[i];
            var p = MappingReader.Read(_problems, item, Invariant($"{geometry.Name("calibration")}[#{i + 1}]"), YamlText.LineOf(item), CalibrationPointKeys);
            double? distance = p.Number("distanceMm", required: true, 0, MaxSensorToBottomMm, "mm");
            double? fill = p.Number("fillPct", required: true, 0, 100, "%");
            if (distance is null || fill is null)
            {
                complete = false;
                continue;
            }

            points.Add((new FillCalibrationPoint(distance.Value, fill.Value), p.Line));
        }

        bool monotonic = true;
        var farToNear = points.OrderByDescending(p => p.Point.DistanceMm).ThenBy(p => p.Line).ToList();
        for (int i = 1; i < farToNear.Count; i++)
        {
            ((FillCalibrationPoint Point, int Line) far, (FillCalibrationPoint Point, int Line) near) = (farToNear[i - 1], farToNear[i]);
            if (near.Point.DistanceMm < far.Point.DistanceMm && near.Point.FillPct > far.Point.FillPct)
            {
                continue;
            }

            monotonic = false;
            ((FillCalibrationPoint Point, int Line) later, (FillCalibrationPoint Point, int Line) earlier) = near.Line >= far.Line ? (near, far) : (far, near);
            _problems.Add(
                later.Line,
                $"{geometry.Name("calibration")}: not monotonic: {Describe(later.Point)} here and {Describe(earlier.Point)} at line {earlier.Line}; the fill must rise as the distance falls (a nearer surface is a fuller bin), with no two points at the same distance or fill");
        }

        return complete && monotonic ? [.. points.Select(p => p.Point)] : null;

        static string Describe(FillCalibrationPoint point) => $"{YamlText.Format(point.DistanceMm)} mm at {YamlText.Format(point.FillPct)} %";
    }

    private List<FillSensorDefinition>? ReadFillSensors(MappingReader bin, string binName, GeometryFacts geometry)
    {
        const string Need = "a bin needs at least one fill sensor: add 'fill:' with an ultrasonic (hcsr04, jsn-sr04t) or tof (vl53l0x, vl53l1x) sensor";
        if (!bin.Has("fill"))
        {
            (int line, string? empty) = bin.Contains("fill") ? (bin.LineOf("fill"), " ('fill' is empty)") : (bin.Line, "");
            _problems.Add(line, $"{bin.Path}: {Need}{empty}");
            return null;
        }

        IReadOnlyList<YamlNode> items = bin.List("fill");
        if (bin.Node("fill") is not YamlSequenceNode)
        {
            return null;
        }

        if (items.Count == 0)
        {
            _problems.Add(bin.LineOf("fill"), $"{bin.Path}: {Need} ('fill' is an empty list)");
            return null;
        }

        if (items.Count > MaxFillSensors)
        {
            _problems.Add(YamlText.LineOf(items[MaxFillSensors]), $"{bin.Name("fill")}: a bin has one fill sensor or a redundant pair, at most {MaxFillSensors}; this is sensor {MaxFillSensors + 1}");
        }

        var sensors = new List<FillSensorDefinition>();
        bool complete = true;
        for (int i = 0; i < items.Count; i++)
        {
            FillSensorDefinition? sensor = ReadFillSensor(bin, items[i], i, binName, geometry);
            if (sensor is null)
            {
                complete = false;
            }
            else
            {
                sensors.Add(sensor);
            }
        }

        return complete && items.Count <= MaxFillSensors ? sensors : null;
    }

    private FillSensorDefinition? ReadFillSensor(MappingReader bin, YamlNode item, int index, string binName, GeometryFacts geometry)
    {
        string? type = MappingReader.PeekScalar(item, "type")?.Trim();
        bool isUltrasonic = string.Equals(type, "ultrasonic", StringComparison.OrdinalIgnoreCase);
        bool isTimeOfFlight = string.Equals(type, "tof", StringComparison.OrdinalIgnoreCase);
        string[] allowed = isUltrasonic ? UltrasonicKeys : isTimeOfFlight ? TimeOfFlightKeys : AnyFillSensorKeys;
        Func<string, string?> misplaced = key =>
            isUltrasonic && TimeOfFlightKeys.Contains(key, StringComparer.Ordinal) ? $"'{key}' is a tof sensor key, but this sensor is type ultrasonic"
            : isTimeOfFlight && UltrasonicKeys.Contains(key, StringComparer.Ordinal) ? $"'{key}' is an ultrasonic sensor key, but this sensor is type tof"
            : null;

        var s = MappingReader.Read(_problems, item, ItemPath(bin.Name("fill"), item, index), YamlText.LineOf(item), allowed, misplaced);
        string? id = s.String("id", required: true, IdPattern(), IdRule);
        string? kind = s.Choice("type", required: true, "ultrasonic", "tof");
        if (id is not null)
        {
            _sensorIdClaims.Add(new Claim<string>(id, $"fill sensor of {binName}", s.LineOf("id")));
        }

        return kind switch
        {
            "ultrasonic" => ReadUltrasonic(s, id, binName, geometry),
            "tof" => ReadTimeOfFlight(s, id, binName, geometry),
            _ => null,
        };
    }

    private UltrasonicFillSensor? ReadUltrasonic(MappingReader s, string? id, string binName, GeometryFacts geometry)
    {
        UltrasonicModel? model = s.Choice("model", required: true, "hcsr04", "jsn-sr04t") switch
        {
            "hcsr04" => UltrasonicModel.Hcsr04,
            "jsn-sr04t" => UltrasonicModel.JsnSr04t,
            _ => null,
        };
        int? trigger = s.Int("triggerGpio", required: true, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        int? echo = s.Int("echoGpio", required: true, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);

        FillSensorSpec? spec = model is { } known ? FillSensorSpec.Of(known) : null;
        string name = SensorName(spec?.Name ?? "ultrasonic sensor", id, s.Path, binName);
        if (trigger is not null)
        {
            _gpioClaims.Add(new Claim<int>(trigger.Value, $"trigger of {name}", s.LineOf("triggerGpio")));
        }

        if (echo is not null)
        {
            _gpioClaims.Add(new Claim<int>(echo.Value, $"echo of {name}", s.LineOf("echoGpio")));
        }

        if (spec is not null)
        {
            CheckSensorReach(s, s.LineOf("model"), spec, geometry);
        }

        return id is null || model is null || trigger is null || echo is null
            ? null
            : new UltrasonicFillSensor(id, model.Value, trigger.Value, echo.Value, s.Line);
    }

    private TimeOfFlightFillSensor? ReadTimeOfFlight(MappingReader s, string? id, string binName, GeometryFacts geometry)
    {
        TimeOfFlightChip? chip = s.Choice("chip", required: true, "vl53l0x", "vl53l1x") switch
        {
            "vl53l0x" => TimeOfFlightChip.Vl53L0X,
            "vl53l1x" => TimeOfFlightChip.Vl53L1X,
            _ => null,
        };
        int? address = s.Has("address")
            ? s.Int("address", required: false, 0x08, 0x77, "(7-bit I2C address; both chips boot at 0x29)", hex: true)
            : DefaultTimeOfFlightAddress;
        string? multiplexer = s.String("multiplexer", required: false);
        int? multiplexerChannel = s.Int("multiplexerChannel", required: multiplexer is not null, 0, 7, "(TCA9548A channel)");

        FillSensorSpec? spec = chip is { } known ? FillSensorSpec.Of(known) : null;
        string chipName = spec?.Name ?? "time-of-flight sensor";
        if (s.Has("multiplexerChannel") && !s.Has("multiplexer"))
        {
            _problems.Add(s.LineOf("multiplexerChannel"), $"{s.Name("multiplexerChannel")}: a multiplexer channel needs 'multiplexer: ID' (which TCA9548A the {chipName} sits behind)");
        }

        if (multiplexer is not null)
        {
            _references.Add(new Reference(ReferenceKind.Multiplexer, multiplexer, s.LineOf("multiplexer"), s.Name("multiplexer")));
        }

        bool onMainBus = multiplexer is null && !s.Has("multiplexerChannel");
        bool behindMux = multiplexer is not null && multiplexerChannel is not null;
        if (address is { } a && (onMainBus || behindMux))
        {
            _i2cDevices.Add(new I2cDevice(a, multiplexer, multiplexerChannel, SensorName(chipName, id, s.Path, binName), s.LineOf("address"), TimeOfFlightKind));
        }

        if (spec is not null)
        {
            CheckSensorReach(s, s.LineOf("chip"), spec, geometry);
        }

        return id is null || chip is null || address is null || (multiplexer is not null && multiplexerChannel is null) || (multiplexer is null && s.Has("multiplexerChannel"))
            ? null
            : new TimeOfFlightFillSensor(id, chip.Value, address.Value, multiplexer, multiplexerChannel, s.Line);
    }

    /// <summary>The full line must lie beyond the sensor's blind zone, and the bottom within its range.</summary>
    private void CheckSensorReach(MappingReader sensor, int line, FillSensorSpec spec, GeometryFacts geometry)
    {
        string alternatives = AlternativeSensors(spec, geometry);
        if (geometry.SensorToFullMm is { } full && full <= spec.BlindZoneMm)
        {
            _problems.Add(
                line,
                $"{sensor.Path}: the {spec.Name}'s blind zone is {YamlText.Format(spec.BlindZoneMm)} mm, but the full line is {YamlText.Format(full)} mm from the sensor (sensorToFullMm, line {geometry.SensorToFullLine}): the full line is unmeasurable; mount the sensor higher, so the full line is more than {YamlText.Format(spec.BlindZoneMm)} mm below it{alternatives}");
        }

        if (geometry.SensorToBottomMm is { } bottom && bottom > spec.MaximumRangeMm)
        {
            _problems.Add(
                line,
                $"{sensor.Path}: the {spec.Name} reaches {YamlText.Format(spec.MaximumRangeMm)} mm at most, but the bottom is {YamlText.Format(bottom)} mm from the sensor (sensorToBottomMm, line {geometry.SensorToBottomLine}): a nearly empty bin is out of its range; mount the sensor lower{alternatives}");
        }
    }

    private static string AlternativeSensors(FillSensorSpec spec, GeometryFacts geometry)
    {
        if (geometry.SensorToBottomMm is not { } bottom || geometry.SensorToFullMm is not { } full)
        {
            return "";
        }

        var fitting = FillSensorSpec.All.Where(s => s != spec && s.Fits(bottom, full)).Select(s => s.Name).ToList();
        return fitting.Count == 0 ? "" : $", or use a sensor that fits this bin ({string.Join(", ", fitting)})";
    }

    private WeightSensorDefinition? ReadWeight(MappingReader bin, string binName)
    {
        MappingReader m = bin.Mapping("weight", required: false, WeightKeys);
        if (!m.IsPresent)
        {
            return null;
        }

        int? data = m.Int("dataGpio", required: true, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        int? clock = m.Int("clockGpio", required: true, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        double? countsPerKg = m.Number("countsPerKg", required: true, 1, 10_000_000, "HX711 counts per kg");
        double? capacityKg = m.Number("capacityKg", required: true, 1, 5000, "kg");

        // The HX711 reading of the empty bin, from the installer's tare: a 24-bit two's-complement code.
        double? zeroCounts = m.Number("zeroCounts", required: false, -8_388_608, 8_388_607, "HX711 counts");
        if (data is not null)
        {
            _gpioClaims.Add(new Claim<int>(data.Value, $"HX711 data (DOUT) of {binName}", m.LineOf("dataGpio")));
        }

        if (clock is not null)
        {
            _gpioClaims.Add(new Claim<int>(clock.Value, $"HX711 clock (PD_SCK) of {binName}", m.LineOf("clockGpio")));
        }

        return data is null || clock is null || countsPerKg is null || capacityKg is null
            ? null
            : new WeightSensorDefinition(data.Value, clock.Value, countsPerKg.Value, capacityKg.Value, m.Line) { ZeroCounts = zeroCounts };
    }

    private ThermometerDefinition? ReadBinThermometer(MappingReader root, MappingReader bin, string binName, BoardSettings board)
    {
        MappingReader t = bin.Mapping("thermometer", required: false, ThermometerKeys);
        if (!t.IsPresent)
        {
            return null;
        }

        string? id = t.String("id", required: true, IdPattern(), IdRule);
        string? deviceId = t.String("deviceId", required: true, DeviceIdPattern(), "a DS18B20's kernel id is '28-' and 12 lower-case hex digits, as listed in /sys/bus/w1/devices");
        if (id is not null)
        {
            _sensorIdClaims.Add(new Claim<string>(id, $"thermometer of {binName}", t.LineOf("id")));
        }

        if (deviceId is not null)
        {
            _deviceIdClaims.Add(new Claim<string>(deviceId, $"thermometer {id ?? t.Path} of {binName}", t.LineOf("deviceId")));
        }

        if (board.OneWirePin is null && !MappingHasValue(root, "board", "oneWirePin"))
        {
            _problems.Add(t.Line, $"{t.Path}: a DS18B20 needs the 1-Wire bus, but board.oneWirePin is null (set it to the w1-gpio overlay's pin)");
        }

        return id is null || deviceId is null ? null : new ThermometerDefinition(id, deviceId, t.Line);
    }

    private ContactInputDefinition? ReadContact(MappingReader bin, string key, string owner)
    {
        MappingReader m = bin.Mapping(key, required: false, ContactKeys);
        if (!m.IsPresent)
        {
            return null;
        }

        int? gpio = m.Int("gpio", required: true, 0, RaspberryPiPins.MaxHeaderGpio, GpioUnit);
        bool activeLow = m.Bool("activeLow") ?? false;
        if (gpio is null)
        {
            return null;
        }

        _gpioClaims.Add(new Claim<int>(gpio.Value, owner, m.LineOf("gpio")));
        return new ContactInputDefinition(gpio.Value, activeLow, m.Line);
    }

    /// <summary>
    /// Reads bin thresholds over <paramref name="defaults"/>: the site's <c>binThresholds</c> over the model's defaults,
    /// or a bin's own <c>thresholds:</c> over the site's. <paramref name="inheritedFrom"/> names where a value the
    /// mapping does not set comes from, for messages.
    /// </summary>
    private BinThresholds ReadBinThresholds(MappingReader m, BinThresholds defaults, string inheritedFrom)
    {
        double? nearlyFull = m.Number("nearlyFullPct", required: false, 50, 99, "%");
        double? overflow = m.Number("overflowPct", required: false, 60, 100, "%");
        double? empty = m.Number("emptyPct", required: false, 0, 50, "%");
        var thresholds = new BinThresholds
        {
            NearlyFullPct = nearlyFull ?? defaults.NearlyFullPct,
            OverflowPct = overflow ?? defaults.OverflowPct,
            EmptyPct = empty ?? defaults.EmptyPct,
            HysteresisPct = m.Number("hysteresisPct", required: false, 0, 20, "%") ?? defaults.HysteresisPct,
            CollectionDropPct = m.Number("collectionDropPct", required: false, 5, 100, "%") ?? defaults.CollectionDropPct,
            MaxRisePct = m.Number("maxRisePct", required: false, 5, 100, "%") ?? defaults.MaxRisePct,
            FireTemperatureC = m.Number("fireTemperatureC", required: false, 30, 150, "°C") ?? defaults.FireTemperatureC,
            FireRiseCPerMinute = m.Number("fireRiseCPerMinute", required: false, 0.1, 20, "°C per minute") ?? defaults.FireRiseCPerMinute,
            LidOpenAfter = m.Duration("lidOpenMinutes", required: false, 0.1, 1440) ?? defaults.LidOpenAfter,
            SensorDisagreementPct = m.Number("sensorDisagreementPct", required: false, 1, 100, "%") ?? defaults.SensorDisagreementPct,
            NoEchoSamples = m.Int("noEchoSamples", required: false, 1, 100, "samples") ?? defaults.NoEchoSamples,
            UntimedSamples = m.Int("untimedSamples", required: false, 1, 1000, "samples") ?? defaults.UntimedSamples,
            StuckSamples = m.Int("stuckSamples", required: false, 2, 1000, "samples") ?? defaults.StuckSamples,
            AlarmClearAfter = m.Duration("alarmClearMinutes", required: false, 0, 1440) ?? defaults.AlarmClearAfter,
            AlarmFlapping = defaults.AlarmFlapping,
        };

        // Only a mapping that sets one of a pair checks it (the bins inherit a site-wide problem, reported once),
        // and only with values that are themselves valid.
        bool Usable(string key, double? value) => !m.Has(key) || value is not null;
        string Value(string key, double value) => m.Has(key) ? $"{key} {YamlText.Format(value)} %" : $"{key} {YamlText.Format(value)} % ({inheritedFrom})";

        if ((m.Has("overflowPct") || m.Has("nearlyFullPct")) && Usable("overflowPct", overflow) && Usable("nearlyFullPct", nearlyFull)
            && thresholds.OverflowPct <= thresholds.NearlyFullPct)
        {
            _problems.Add(
                m.LineOf(m.Has("overflowPct") ? "overflowPct" : "nearlyFullPct"),
                $"{m.Path}: {Value("overflowPct", thresholds.OverflowPct)} must be above {Value("nearlyFullPct", thresholds.NearlyFullPct)} (a bin is nearly full before it overflows)");
        }

        if ((m.Has("emptyPct") || m.Has("nearlyFullPct")) && Usable("emptyPct", empty) && Usable("nearlyFullPct", nearlyFull)
            && thresholds.EmptyPct >= thresholds.NearlyFullPct)
        {
            _problems.Add(
                m.LineOf(m.Has("emptyPct") ? "emptyPct" : "nearlyFullPct"),
                $"{m.Path}: {Value("emptyPct", thresholds.EmptyPct)} must be below {Value("nearlyFullPct", thresholds.NearlyFullPct)}");
        }

        return thresholds;
    }

    private static BinSamplingSettings ReadBinSampling(MappingReader root)
    {
        MappingReader m = root.Mapping("binSampling", required: false, BinSamplingKeys);
        var defaults = new BinSamplingSettings();
        return new BinSamplingSettings
        {
            Period = m.Duration("periodSeconds", required: false, 1, 3600) ?? defaults.Period,
            ReadingsPerSample = m.Int("readingsPerSample", required: false, 1, 25, "readings per sensor per sample") ?? defaults.ReadingsPerSample,
        };
    }

    // ---- whole-file checks -------------------------------------------------------------------------------------

    /// <summary>AC power is the port's current times the mains voltage: a site with AC ports needs the mains VT.</summary>
    private void CheckMainsForAcPorts(MappingReader root)
    {
        if (_acPorts.Count == 0 || root.Has("mains"))
        {
            return;
        }

        const int Named = 3;
        string more = _acPorts.Count > Named + 1 ? Invariant($" and {_acPorts.Count - Named} more") : "";
        string named = string.Join(", ", _acPorts.Take(more.Length > 0 ? Named : _acPorts.Count).Select(p => p.Port));
        string which = _acPorts.Count == 1 ? $"port {named} is" : $"ports {named}{more} are";
        (int line, string? empty) = root.Contains("mains") ? (root.LineOf("mains"), " (it is empty)") : (_acPorts[0].Line, "");
        _problems.Add(
            line,
            $"missing required section 'mains'{empty}: {which} metered AC (type: ac), and an AC port's power is its current times the mains voltage that mains.voltageSensor measures; only a site without AC ports (bins, DC ports) may leave 'mains' out");
    }

    /// <summary>Ports and bins share one set of ids: alarms and telemetry name either by its id alone.</summary>
    private void CheckBinIdsAgainstPortIds()
    {
        foreach ((string? id, int binLine) in _binLines)
        {
            if (!_portLines.TryGetValue(id, out int portLine))
            {
                continue;
            }

            (int line, string? later, string? earlier, int earlierLine) = binLine >= portLine
                ? (binLine, $"bin {id}", $"port {id}", portLine)
                : (portLine, $"port {id}", $"bin {id}", binLine);
            _problems.Add(line, $"duplicate id '{id}': {later} and {earlier}{AtLine(earlierLine)}; ports and bins share one set of ids (alarms and telemetry name them by id)");
        }
    }

    /// <summary>Two VL53L0X/VL53L1X at one address: the fix is a multiplexer channel each.</summary>
    private string TimeOfFlightAdvice(string? kind, string? otherKind, int address)
    {
        if (kind != TimeOfFlightKind || otherKind != TimeOfFlightKind)
        {
            return "";
        }

        string addMux = _multiplexerLines.Count == 0 ? " (add a TCA9548A under 'multiplexers:')" : "";
        return $"; both answer at {YamlText.FormatHex(address)}; put them on different multiplexer channels{addMux}";
    }

    private static string SensorName(string model, string? id, string path, string binName) =>
        id is null ? $"{model} {path}" : $"{model} {id} of {binName}";

    /// <summary>What the sensor checks need of a bin's geometry (values null when invalid).</summary>
    private sealed record GeometryFacts(double? SensorToBottomMm, int SensorToBottomLine, double? SensorToFullMm, int SensorToFullLine);
}
