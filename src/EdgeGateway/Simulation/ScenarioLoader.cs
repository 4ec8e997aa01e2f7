using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Bins;
using EdgeGateway.Hardware.Simulation.Mcp3208;
using EdgeGateway.Hardware.Simulation.Shed;
using YamlDotNet.RepresentationModel;

namespace EdgeGateway.Simulation;

/// <summary>
/// Reads a scenario file (format in firmware-config/scenarios/README.md) with the same
/// <c>FILE:LINE: message</c> reporting as site files, checking port, ADC and thermometer names
/// against the site the scenario will run on.
/// </summary>
public static class ScenarioLoader
{
    private static readonly string[] TopKeys = ["name", "speed", "start", "seed", "duration", "arrivals", "collections", "events"];
    private static readonly string[] ArrivalKeys = ["peakPerHour"];
    private static readonly string[] EventKeys = ["at", "port", "plug", "unplug", "start", "fault", "adc", "shed", "thermometer", "bin", "clock", "supply", "command", "card", "keys"];
    private static readonly string[] BinKeys = ["id", "fault", "lid", "tilt", "fire", "collect", "fillPct"];
    private static readonly string[] PlugKeys = ["load", "powerW", "pf", "stateOfCharge", "capacityWh", "requestStart", "curve", "thermostat", "inrush", "harmonics", "profile"];
    private static readonly string[] CurveKeys = ["cvAtSoc", "cvAfter", "taper", "floatW", "cutoffW", "standbyW"];
    private static readonly string[] ThermostatKeys = ["on", "off"];
    private static readonly string[] InrushKeys = ["multiple", "for"];
    private static readonly string[] HarmonicKeys = ["order", "pct", "phaseDeg"];
    private static readonly string[] ProfileKeys = ["after", "powerW", "pf", "ramp"];
    private static readonly string[] Chargers = ["lithium", "lead_acid", "modified_charger", "pfc_charger"];
    private static readonly string[] PowerFactorLoads = ["pfc_charger", "induction_cooker", "hair_dryer"];
    private static readonly string[] AdcKeys = ["id", "fault"];
    private static readonly string[] ShedKeys = ["temperatureC", "rampPerMinute", "temperature", "smoke"];
    private static readonly string[] ThermometerKeys = ["id", "fault"];
    private static readonly string[] ClockKeys = ["step"];
    private static readonly string[] SupplyKeys = ["cut", "voltage", "for", "vt", "unmeteredW", "meter"];
    private static readonly string[] CommandKeys = ["kind", "port", "operator", "reason", "order_id", "card", "limit", "tariff"];
    private static readonly string[] OrderKeys = ["order_id", "card", "limit", "tariff"];
    private static readonly string[] LimitKeys = ["energy_wh", "duration_min", "amount_fen"];
    private static readonly string[] TariffKeys = ["fen_per_kwh", "fen_per_hour"];

    // A step or an outage longer than this is a typo, not a scenario (a Pi's clock is at most decades off; a month covers any outage).
    private static readonly TimeSpan LongestStep = TimeSpan.FromDays(36_500);
    private static readonly TimeSpan LongestOutage = TimeSpan.FromDays(31);

    public static ScenarioLoadResult Load(string path, SiteConfiguration site)
    {
        if (!File.Exists(path))
        {
            return new ScenarioLoadResult(null, [new ConfigurationProblem(path, 0, "file not found")]);
        }

        return LoadText(path, File.ReadAllText(path), site);
    }

    public static ScenarioLoadResult LoadText(string fileName, string yaml, SiteConfiguration site)
    {
        var problems = new ProblemCollector(fileName);
        if (!SiteFileLoader.TryParseYaml(yaml, problems, out YamlNode? root))
        {
            return new ScenarioLoadResult(null, problems.InLineOrder());
        }

        var top = MappingReader.Read(problems, root, "", 1, TopKeys);
        string name = top.String("name", required: false) ?? Path.GetFileNameWithoutExtension(fileName);
        double speed = top.Number("speed", required: false, 0, 100_000, "× real time") ?? 1;
        DateTimeOffset start = ReadStart(top, problems);
        int seed = top.Int("seed", required: false, 0, int.MaxValue) ?? 1;
        TimeSpan? duration = ReadTime(top, "duration", problems, required: false);
        MappingReader arrivals = top.Mapping("arrivals", required: false, ArrivalKeys);
        double peak = arrivals.Number("peakPerHour", required: false, 0, 1000, "arrivals per hour") ?? 0;

        IReadOnlyList<TimeSpan>? collections = null;
        if (top.Contains("collections"))
        {
            var times = new List<TimeSpan>();
            foreach (YamlNode item in top.List("collections"))
            {
                string text = item is YamlScalarNode { Value: { } v } ? v : "";
                if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan at) && at >= TimeSpan.Zero && at < TimeSpan.FromDays(1))
                {
                    times.Add(at);
                }
                else
                {
                    problems.Add((int)item.Start.Line, $"collections: '{text}' is not a time of day (hh:mm)");
                }
            }

            collections = times;
        }

        var events = new List<ScenarioEvent>();
        foreach (YamlNode item in top.List("events"))
        {
            if (ReadEvent(item, problems, site) is { } scenarioEvent)
            {
                events.Add(scenarioEvent);
            }
        }

        // Stable sort: events at the same instant play in file order.
        ScenarioEvent[] ordered = [.. events.OrderBy(e => e.At)];
        return problems.Count > 0
            ? new ScenarioLoadResult(null, problems.InLineOrder())
            : new ScenarioLoadResult(new Scenario(fileName, name, speed, start, seed, duration, peak, ordered) { Collections = collections }, []);
    }

    private static DateTimeOffset ReadStart(MappingReader top, ProblemCollector problems)
    {
        string? text = top.String("start", required: false);
        var fallback = new DateTimeOffset(2026, 11, 25, 17, 30, 0, SimulatedShed.ChinaStandardTime);
        if (text is null)
        {
            return fallback;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset start))
        {
            return start;
        }

        problems.Add(top.LineOf("start"), $"start: '{text}' is not a date and time (e.g. 2026-11-25T17:30:00+08:00)");
        return fallback;
    }

    private static TimeSpan? ReadTime(MappingReader reader, string key, ProblemCollector problems, bool required)
    {
        string? text = reader.String(key, required);
        if (text is null)
        {
            return null;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan value) && value >= TimeSpan.Zero)
        {
            return value;
        }

        problems.Add(reader.LineOf(key), $"{reader.Name(key)}: '{text}' is not a time span (hh:mm:ss, or d.hh:mm:ss)");
        return null;
    }

    private static ScenarioEvent? ReadEvent(YamlNode item, ProblemCollector problems, SiteConfiguration site)
    {
        int line = (int)item.Start.Line;
        var e = MappingReader.Read(problems, item, "events[]", line, EventKeys);
        TimeSpan? at = ReadTime(e, "at", problems, required: true);
        string? port = e.String("port", required: false);
        if (port is not null && !site.Ports.Any(p => p.Id == port))
        {
            problems.Add(e.LineOf("port"), $"events[].port: no port '{port}' in site file {site.SourceFile}");
            return null;
        }

        string[] actions = ["plug", "unplug", "start", "fault", "adc", "shed", "thermometer", "bin", "clock", "supply", "command", "card", "keys"];
        string[] present = actions.Where(e.Contains).ToArray();
        if (present.Length != 1)
        {
            problems.Add(line, $"events[]: each event needs exactly one of {string.Join(", ", actions)}; found {(present.Length == 0 ? "none" : string.Join(", ", present))}");
            return null;
        }

        if (at is null)
        {
            return null;
        }

        bool needsPort = present[0] is "plug" or "unplug" or "start" or "fault";
        if (needsPort && port is null)
        {
            problems.Add(line, $"events[].{present[0]}: needs a port");
            return null;
        }

        return present[0] switch
        {
            "plug" => ReadPlug(e, at.Value, line, port!, problems),
            "unplug" => new UnplugEvent(at.Value, line, port!),
            "start" => new StartEvent(at.Value, line, port!),
            "fault" => e.Choice("fault", true, "none", "relay_stuck_closed", "relay_stuck_open", "meter_stuck", "meter_silent", "meter_bad_checksum") switch
            {
                null => null,
                var f => new PortFaultEvent(at.Value, line, port!, f switch
                {
                    "relay_stuck_closed" => PortFault.RelayStuckClosed,
                    "relay_stuck_open" => PortFault.RelayStuckOpen,
                    "meter_stuck" => PortFault.MeterStuck,
                    "meter_silent" => PortFault.MeterSilent,
                    "meter_bad_checksum" => PortFault.MeterBadChecksum,
                    _ => PortFault.None,
                }),
            },
            "adc" => ReadAdc(e, at.Value, line, problems, site),
            "shed" => ReadShed(e, at.Value, line),
            "bin" => ReadBin(e, at.Value, line, problems, site),
            "clock" => ReadClock(e, at.Value, line, problems),
            "supply" => ReadSupply(e, at.Value, line, problems, site),
            "command" => ReadCommand(e, at.Value, line, port, problems, site),
            "card" or "keys" => ReadTerminalEvent(e, present[0], at.Value, line, problems, site),
            _ => ReadThermometer(e, at.Value, line, problems, site),
        };
    }

    /// <summary><c>card: UID</c> lays a card on the terminal's reader, <c>card: none</c> takes it off; <c>keys: "3#"</c> types.</summary>
    private static ScenarioEvent? ReadTerminalEvent(MappingReader e, string action, TimeSpan at, int line, ProblemCollector problems, SiteConfiguration site)
    {
        string? text = e.String(action, required: true);
        if (text is null)
        {
            return null;
        }

        if (site.Terminal is null)
        {
            problems.Add(e.LineOf(action), $"events[].{action}: site file {site.SourceFile} has no terminal: section");
            return null;
        }

        if (action == "keys")
        {
            if (text.Length == 0 || text.Any(c => !"0123456789ABCD*#".Contains(c, StringComparison.Ordinal)))
            {
                problems.Add(e.LineOf(action), $"events[].keys: '{text}' is not keys of the 4×4 keypad (0-9, A-D, *, #)");
                return null;
            }

            return new KeysEvent(at, line, text);
        }

        if (text == "none")
        {
            return new CardEvent(at, line, null);
        }

        if (!Contracts.Mqtt.CardEntry.IsValidUid(text))
        {
            problems.Add(e.LineOf(action), $"events[].card: '{text}' is not a 4-, 7- or 10-byte UID in upper-case hex (or none, to take the card off)");
            return null;
        }

        return new CardEvent(at, line, text);
    }

    private static PlugEvent? ReadPlug(MappingReader e, TimeSpan at, int line, string port, ProblemCollector problems)
    {
        MappingReader plug = e.Mapping("plug", true, PlugKeys);
        string? load = plug.Choice(
            "load", true, "lithium", "lead_acid", "modified_charger", "pfc_charger", "heater", "thermostatic_heater", "kettle", "induction_cooker", "hair_dryer", "short_circuit");
        double power = plug.Number("powerW", required: false, 1, 5000, "W") ?? 180;

        // A power factor only for the loads whose front end has one to choose: PFC chargers, induction cookers, hair dryers.
        double? pf = plug.Number("pf", required: false, 0.9, 0.999, "");
        if (pf is not null && load is not (null or "pfc_charger" or "induction_cooker" or "hair_dryer"))
        {
            problems.Add(plug.LineOf("pf"), $"events[].plug.pf: only for pfc_charger, induction_cooker and hair_dryer, not '{load}'");
            return null;
        }

        double soc = plug.Number("stateOfCharge", required: false, 0, 1, "(0..1)") ?? 0.3;
        double capacity = plug.Number("capacityWh", required: false, 50, 5000, "Wh") ?? 720;
        bool requestStart = plug.Bool("requestStart") ?? true;
        int before = problems.Count;
        ChargeCurve? curve = plug.Contains("curve") && OnlyFor(plug, "curve", load, Chargers, problems) ? ReadCurve(plug, problems) : null;
        (TimeSpan, TimeSpan)? thermostat = plug.Contains("thermostat") && OnlyFor(plug, "thermostat", load, ["thermostatic_heater"], problems) ? ReadThermostat(plug, problems) : null;
        Inrush? inrush = plug.Contains("inrush") && NotForAShort(plug, "inrush", load, problems) ? ReadInrush(plug, problems) : null;
        IReadOnlyList<CurrentHarmonic>? harmonics = plug.Contains("harmonics") && NotForAShort(plug, "harmonics", load, problems) ? ReadHarmonics(plug, problems) : null;
        IReadOnlyList<ProfilePoint>? profile = plug.Contains("profile") && NotForAShort(plug, "profile", load, problems) ? ReadProfile(plug, load, problems) : null;
        if (load is null || problems.Count > before)
        {
            return null;
        }

        ScenarioLoad kind = load switch
        {
            "lithium" => ScenarioLoad.Lithium,
            "lead_acid" => ScenarioLoad.LeadAcid,
            "modified_charger" => ScenarioLoad.ModifiedCharger,
            "pfc_charger" => ScenarioLoad.PfcCharger,
            "heater" => ScenarioLoad.Heater,
            "thermostatic_heater" => ScenarioLoad.ThermostaticHeater,
            "kettle" => ScenarioLoad.Kettle,
            "induction_cooker" => ScenarioLoad.InductionCooker,
            "hair_dryer" => ScenarioLoad.HairDryer,
            _ => ScenarioLoad.ShortCircuit,
        };
        return new PlugEvent(at, line, port, kind, power, soc, capacity, requestStart)
        {
            PowerFactor = pf,
            Curve = curve,
            Thermostat = thermostat,
            Inrush = inrush,
            Harmonics = harmonics,
            Profile = profile,
        };
    }

    private static bool OnlyFor(MappingReader plug, string key, string? load, string[] loads, ProblemCollector problems)
    {
        if (load is null || loads.Contains(load))
        {
            return true;
        }

        problems.Add(plug.LineOf(key), $"{plug.Name(key)}: only for {string.Join(", ", loads)}, not '{load}'");
        return false;
    }

    private static bool NotForAShort(MappingReader plug, string key, string? load, ProblemCollector problems) =>
        load != "short_circuit" || OnlyFor(plug, key, load, ["any load but short_circuit"], problems);

    private static ChargeCurve ReadCurve(MappingReader plug, ProblemCollector problems)
    {
        MappingReader c = plug.Mapping("curve", true, CurveKeys);
        return new ChargeCurve(
            c.Number("cvAtSoc", required: false, 0.05, 1, "(state of charge 0..1)"),
            PositiveTime(c, "cvAfter", problems),
            PositiveTime(c, "taper", problems),
            c.Number("floatW", required: false, 0, 500, "W"),
            c.Number("cutoffW", required: false, 0, 500, "W"),
            c.Number("standbyW", required: false, 0, 50, "W"));
    }

    private static (TimeSpan, TimeSpan)? ReadThermostat(MappingReader plug, ProblemCollector problems)
    {
        MappingReader t = plug.Mapping("thermostat", true, ThermostatKeys);
        TimeSpan? on = PositiveTime(t, "on", problems, required: true);
        TimeSpan? off = PositiveTime(t, "off", problems, required: true);
        return on is { } a && off is { } b ? (a, b) : null;
    }

    private static Inrush? ReadInrush(MappingReader plug, ProblemCollector problems)
    {
        MappingReader i = plug.Mapping("inrush", true, InrushKeys);
        double? multiple = i.Number("multiple", required: true, 1, 100, "× the running current");
        TimeSpan? lasting = PositiveTime(i, "for", problems, required: true);
        if (lasting > TimeSpan.FromSeconds(10))
        {
            problems.Add(i.LineOf("for"), $"{i.Name("for")}: an inrush lasts at most 10 s, not {lasting}");
            return null;
        }

        return multiple is { } m && lasting is { } d ? new Inrush(m, d) : null;
    }

    private static List<CurrentHarmonic> ReadHarmonics(MappingReader plug, ProblemCollector problems)
    {
        var harmonics = new List<CurrentHarmonic>();
        foreach (YamlNode item in plug.List("harmonics"))
        {
            var h = MappingReader.Read(problems, item, plug.Name("harmonics") + "[]", (int)item.Start.Line, HarmonicKeys);
            int? order = h.Int("order", required: true, 2, 50);
            double? pct = h.Number("pct", required: true, 0, 100, "% of the fundamental");
            double phase = h.Number("phaseDeg", required: false, -360, 360, "°") ?? 0;
            if (order is { } n && pct is { } share)
            {
                harmonics.Add(new CurrentHarmonic(n, share / 100, phase * Math.PI / 180));
            }
        }

        return harmonics;
    }

    private static List<ProfilePoint> ReadProfile(MappingReader plug, string? load, ProblemCollector problems)
    {
        var points = new List<ProfilePoint>();
        foreach (YamlNode item in plug.List("profile"))
        {
            var p = MappingReader.Read(problems, item, plug.Name("profile") + "[]", (int)item.Start.Line, ProfileKeys);
            TimeSpan? after = ReadTime(p, "after", problems, required: true);
            double? power = p.Number("powerW", required: false, 1, 5000, "W");
            double? pf = p.Number("pf", required: false, 0.9, 0.999, "");
            bool linear = p.Choice("ramp", required: false, "step", "linear") == "linear";
            if (pf is not null && load is not null && !PowerFactorLoads.Contains(load))
            {
                problems.Add(p.LineOf("pf"), $"{p.Name("pf")}: only for {string.Join(", ", PowerFactorLoads)}, not '{load}'");
            }

            if (power is null && pf is null && p.Contains("after"))
            {
                problems.Add(p.Line, $"{plug.Name("profile")}[]: a point sets powerW, pf or both");
            }

            if (after is { } a && points.Count > 0 && a <= points[^1].After)
            {
                problems.Add(p.LineOf("after"), $"{p.Name("after")}: {a} is not after the previous point's {points[^1].After}");
            }

            if (after is { } t)
            {
                points.Add(new ProfilePoint(t, power, pf, linear));
            }
        }

        return points;
    }

    /// <summary>A time span more than zero (and at most a day: longer is a typo in a load's parameters).</summary>
    private static TimeSpan? PositiveTime(MappingReader reader, string key, ProblemCollector problems, bool required = false)
    {
        TimeSpan? value = ReadTime(reader, key, problems, required);
        if (value is { } span && (span <= TimeSpan.Zero || span > TimeSpan.FromDays(1)))
        {
            problems.Add(reader.LineOf(key), $"{reader.Name(key)}: {span} is not more than nothing and at most a day");
            return null;
        }

        return value;
    }

    private static AdcFaultEvent? ReadAdc(MappingReader e, TimeSpan at, int line, ProblemCollector problems, SiteConfiguration site)
    {
        MappingReader adc = e.Mapping("adc", true, AdcKeys);
        string? id = adc.String("id", true);
        string? fault = adc.Choice("fault", true, "none", "not_answering", "stuck_low", "stuck_code");
        if (id is not null && !site.Adcs.Any(a => a.Id == id))
        {
            problems.Add(adc.LineOf("id"), $"events[].adc.id: no ADC '{id}' in site file {site.SourceFile}");
            return null;
        }

        return id is null || fault is null ? null : new AdcFaultEvent(at, line, id, fault switch
        {
            "not_answering" => Mcp3208Fault.NotAnswering,
            "stuck_low" => Mcp3208Fault.StuckLow,
            "stuck_code" => Mcp3208Fault.StuckCode,
            _ => Mcp3208Fault.None,
        });
    }

    private static ShedEvent ReadShed(MappingReader e, TimeSpan at, int line)
    {
        MappingReader shed = e.Mapping("shed", true, ShedKeys);
        double? target = shed.Number("temperatureC", required: false, -40, 150, "°C");
        double ramp = shed.Number("rampPerMinute", required: false, 0.01, 100, "°C/min") ?? 2;
        bool reset = shed.Choice("temperature", required: false, "natural") is not null;
        bool? smoke = shed.Bool("smoke");
        return new ShedEvent(at, line, target, ramp, reset, smoke);
    }

    private static BinEvent? ReadBin(MappingReader e, TimeSpan at, int line, ProblemCollector problems, SiteConfiguration site)
    {
        MappingReader bin = e.Mapping("bin", true, BinKeys);
        string? id = bin.String("id", true);
        string? fault = bin.Choice("fault", false, "none", "bag_lodged", "spider_web", "lost_echoes", "spurious_echoes");
        string? lid = bin.Choice("lid", false, "open", "closed");
        bool? tilt = bin.Bool("tilt");
        string? fire = bin.Choice("fire", false, "smoulder", "out");
        bool collect = bin.Bool("collect") ?? false;
        double? fill = bin.Number("fillPct", required: false, 0, 120, "%");
        if (id is not null && !site.Bins.Any(b => b.Id == id))
        {
            problems.Add(bin.LineOf("id"), $"events[].bin.id: no bin '{id}' in site file {site.SourceFile}");
            return null;
        }

        return id is null ? null : new BinEvent(
            at,
            line,
            id,
            fault switch
            {
                null => null,
                "bag_lodged" => RangingFault.BagLodged,
                "spider_web" => RangingFault.SpiderWeb,
                "lost_echoes" => RangingFault.LostEchoes,
                "spurious_echoes" => RangingFault.SpuriousEchoes,
                _ => RangingFault.None,
            },
            lid is null ? null : lid == "open",
            tilt,
            fire is null ? null : fire == "smoulder",
            collect,
            fill);
    }

    private static ClockStepEvent? ReadClock(MappingReader e, TimeSpan at, int line, ProblemCollector problems)
    {
        MappingReader clock = e.Mapping("clock", true, ClockKeys);
        string? text = clock.String("step", true);
        if (text is null)
        {
            return null;
        }

        // A leading '-' steps the clock back; TimeSpan's own parser takes it ("-01:00:00").
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan by) && by != TimeSpan.Zero && by.Duration() <= LongestStep)
        {
            return new ClockStepEvent(at, line, by);
        }

        problems.Add(clock.LineOf("step"), $"{clock.Name("step")}: '{text}' is not a non-zero time span (hh:mm:ss or d.hh:mm:ss, '-' in front to step back, at most {LongestStep.Days} days)");
        return null;
    }

    private static ScenarioEvent? ReadSupply(MappingReader e, TimeSpan at, int line, ProblemCollector problems, SiteConfiguration site)
    {
        MappingReader supply = e.Mapping("supply", true, SupplyKeys);
        string[] kinds = ["cut", "voltage", "vt", "unmeteredW", "meter"];
        string[] present = kinds.Where(supply.Contains).ToArray();
        if (present.Length != 1)
        {
            problems.Add(e.LineOf("supply"), $"events[].supply: needs exactly one of cut, voltage (with for), vt, unmeteredW, meter; found {(present.Length == 0 ? "none" : string.Join(", ", present))}");
            return null;
        }

        if (present[0] != "voltage" && supply.Contains("for"))
        {
            problems.Add(supply.LineOf("for"), $"{supply.Name("for")}: only with voltage (how long the sag lasts)");
            return null;
        }

        if (present[0] is "unmeteredW" or "meter" && site.SupplyMeter is null)
        {
            problems.Add(supply.LineOf(present[0]), $"{supply.Name(present[0])}: site file {site.SourceFile} has no supplyMeter");
            return null;
        }

        switch (present[0])
        {
            case "unmeteredW":
                // A load between the supply meter and the port meters: a tapped wire, a leaking cable (0 removes it).
                return supply.Number("unmeteredW", required: true, 0, 20_000, "W") is { } watts ? new UnmeteredLoadEvent(at, line, watts) : null;
            case "meter":
                return supply.Choice("meter", true, "ok", "silent", "bad_crc", "device_failure") switch
                {
                    "ok" => new SupplyMeterFaultEvent(at, line, Hardware.Simulation.Modbus.SupplyMeterFault.None),
                    "silent" => new SupplyMeterFaultEvent(at, line, Hardware.Simulation.Modbus.SupplyMeterFault.Silent),
                    "bad_crc" => new SupplyMeterFaultEvent(at, line, Hardware.Simulation.Modbus.SupplyMeterFault.BadCrc),
                    "device_failure" => new SupplyMeterFaultEvent(at, line, Hardware.Simulation.Modbus.SupplyMeterFault.DeviceFailure),
                    _ => null,
                };
            case "vt":
                return supply.Choice("vt", true, "lost", "restored") is { } vt ? new VoltageTransformerEvent(at, line, vt == "lost") : null;
            case "voltage":
                // Below about 60 V a Pi's supply drops out: that is a cut, not a sag.
                double? volts = supply.Number("voltage", required: true, 60, 300, "V RMS; lower is a cut");
                TimeSpan? span = ReadTime(supply, "for", problems, required: true);
                if (span is { } lasting && (lasting <= TimeSpan.Zero || lasting > LongestOutage))
                {
                    problems.Add(supply.LineOf("for"), $"{supply.Name("for")}: a sag lasts more than nothing and at most {LongestOutage.Days} days, not {lasting}");
                    return null;
                }

                return volts is { } v && span is { } s ? new SupplySagEvent(at, line, v, s) : null;
        }

        TimeSpan? outage = ReadTime(supply, "cut", problems, required: true);
        if (outage is not { } cut)
        {
            return null;
        }

        if (cut <= TimeSpan.Zero || cut > LongestOutage)
        {
            problems.Add(supply.LineOf("cut"), $"{supply.Name("cut")}: an outage lasts more than nothing and at most {LongestOutage.Days} days, not {cut}");
            return null;
        }

        return new PowerCutEvent(at, line, cut);
    }

    private static OperatorCommandEvent? ReadCommand(MappingReader e, TimeSpan at, int line, string? eventPort, ProblemCollector problems, SiteConfiguration site)
    {
        MappingReader command = e.Mapping("command", true, CommandKeys);
        string? kind = command.Choice("kind", true, "start", "stop", "enable", "disable", "reset");
        string? port = command.String("port", required: eventPort is null) ?? eventPort;
        string who = command.String("operator", required: false) ?? "operator";
        string? reason = command.String("reason", required: false);
        if (port is not null && !site.Ports.Any(p => p.Id == port))
        {
            problems.Add(command.LineOf("port"), $"{command.Name("port")}: no port '{port}' in site file {site.SourceFile}");
            return null;
        }

        // Over MQTT a port_reset without a reason is refused; a scenario says so when it is read.
        if (kind == "reset" && string.IsNullOrWhiteSpace(reason))
        {
            problems.Add(command.LineOf("kind"), $"{command.Name("reason")}: a reset needs a reason (as port_reset over MQTT does)");
            return null;
        }

        ChargeOrder? order = ReadChargeOrder(command, kind, port, problems);
        return kind is null || port is null ? null : new OperatorCommandEvent(at, line, port, kind switch
        {
            "start" => PortCommandKind.Start,
            "stop" => PortCommandKind.Stop,
            "enable" => PortCommandKind.Enable,
            "disable" => PortCommandKind.Disable,
            _ => PortCommandKind.Reset,
        }, who, reason, order);
    }

    /// <summary>A start's <c>order_id</c>, <c>card</c>, <c>limit</c> and <c>tariff</c>, checked by the rules <c>cmd/port_start</c> is checked by.</summary>
    private static ChargeOrder? ReadChargeOrder(MappingReader command, string? kind, string? port, ProblemCollector problems)
    {
        string[] present = [.. OrderKeys.Where(command.Contains)];
        if (present.Length == 0 || port is null)
        {
            return null;
        }

        if (kind != "start")
        {
            problems.Add(command.LineOf(present[0]), $"{command.Name(present[0])}: only a start carries an order, card, limit or tariff");
            return null;
        }

        MappingReader limitKeys = command.Mapping("limit", false, LimitKeys);
        MappingReader tariffKeys = command.Mapping("tariff", false, TariffKeys);
        var request = new CommandRequest
        {
            Port = port,
            OrderId = command.String("order_id", false),
            Card = command.String("card", false),
            Limit = limitKeys.IsPresent ? new ChargeLimit
            {
                EnergyWh = limitKeys.Number("energy_wh", false, 0, double.MaxValue, "Wh"),
                DurationMin = limitKeys.Number("duration_min", false, 0, double.MaxValue, "min"),
                AmountFen = limitKeys.Int("amount_fen", false, 0, int.MaxValue, "fen"),
            } : null,
            Tariff = tariffKeys.IsPresent ? new ChargeTariff
            {
                FenPerKwh = tariffKeys.Int("fen_per_kwh", false, 0, int.MaxValue, "fen"),
                FenPerHour = tariffKeys.Int("fen_per_hour", false, 0, int.MaxValue, "fen"),
            } : null,
        };
        if (!ContractCommands.TryValidate(ContractCommands.PortStart, request, out string? error))
        {
            problems.Add(command.LineOf(present[0]), $"{command.Name(present[0])}: {error} (as cmd/port_start would refuse it)");
            return null;
        }

        return new ChargeOrder(request.OrderId, request.Card, request.Limit, request.Tariff);
    }

    private static ThermometerEvent? ReadThermometer(MappingReader e, TimeSpan at, int line, ProblemCollector problems, SiteConfiguration site)
    {
        MappingReader t = e.Mapping("thermometer", true, ThermometerKeys);
        string? id = t.String("id", true);
        string? fault = t.Choice("fault", true, "none", "disconnected", "power_on_reset");
        if (id is not null && !site.ShedSensors.Thermometers.Any(x => x.Id == id))
        {
            problems.Add(t.LineOf("id"), $"events[].thermometer.id: no thermometer '{id}' in site file {site.SourceFile}");
            return null;
        }

        return id is null || fault is null ? null : new ThermometerEvent(at, line, id, fault switch
        {
            "disconnected" => ThermometerFault.Disconnected,
            "power_on_reset" => ThermometerFault.PowerOnReset,
            _ => ThermometerFault.None,
        });
    }
}

/// <summary>A loaded scenario, or every problem found in it.</summary>
public sealed record ScenarioLoadResult(Scenario? Scenario, IReadOnlyList<ConfigurationProblem> Problems);
