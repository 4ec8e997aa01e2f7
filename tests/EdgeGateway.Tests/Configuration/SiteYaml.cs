using EdgeGateway.Configuration;

namespace EdgeGateway.Tests.Configuration;

/// <summary>A small valid site file the tests break one way at a time, and helpers to find lines in it.</summary>
internal static class SiteYaml
{
    public const string FileName = "test-site.yaml";

    /// <summary>
    /// Valid: two AC ports (one relay on a GPIO, one on the expander) and a DC port behind mux0 channel 0,
    /// whose short-circuit threshold is overridden below its 8 A meter range.
    /// </summary>
    public const string Valid = """
        site:
          id: test-site
          gateway: gw-test
        board:
          i2cBus: 1
          oneWirePin: 4
        mains:
          nominalVoltageV: 220
          frequencyHz: 50
          voltageSensor: { adc: adc0, channel: 0 }
          voltsPerAdcVolt: 268.97
        adcs:
          - id: adc0
            chip: mcp3208
            spiBus: 0
            chipSelect: 0
            referenceV: 3.3
        expanders:
          - id: relays-a
            address: 0x20
        multiplexers:
          - id: mux0
            address: 0x70
        ports:
          - id: P01
            meter: { type: ac, adc: adc0, channel: 1, ampsPerAdcVolt: 30 }
            relay: { gpio: 5 }
          - id: P02
            meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }
            relay: { expander: relays-a, pin: 0 }
          - id: D01
            meter: { type: dc, address: 0x40, multiplexer: mux0, multiplexerChannel: 0, shuntOhms: 0.01, maxCurrentA: 8 }
            relay: { expander: relays-a, pin: 1 }
            protection: { shortCircuitPeakA: 7.5 }
        shedSensors:
          thermometers:
            - { id: cabinet, deviceId: 28-0316a2794dff }
          smoke: { gpio: 27, activeLow: true }

        """;

    /// <summary>
    /// Valid: a bins-only recycling station (no ports, so no mains) with one bin of each class: B1 an HC-SR04,
    /// B2 a JSN-SR04T and an HX711, B3 a VL53L0X on mux0 channel 0, B4 a VL53L1X on channel 1 (default address)
    /// paired with an HC-SR04.
    /// </summary>
    public const string BinStation = """
        site:
          id: test-station
          gateway: gw-test
        multiplexers:
          - id: mux0
            address: 0x70
        bins:
          - id: B1
            class: recyclable
            geometry: { sensorToBottomMm: 1100, sensorToFullMm: 150 }
            fill:
              - { id: us1, type: ultrasonic, model: hcsr04, triggerGpio: 5, echoGpio: 6 }
            thermometer: { id: b1-temp, deviceId: 28-0316a2794e01 }
            lid: { gpio: 16, activeLow: true }
          - id: B2
            class: kitchen
            geometry:
              sensorToBottomMm: 1000
              sensorToFullMm: 300
            fill:
              - { id: us2, type: ultrasonic, model: jsn-sr04t, triggerGpio: 12, echoGpio: 13 }
            weight: { dataGpio: 20, clockGpio: 21, countsPerKg: 21500, capacityKg: 120 }
          - id: B3
            class: hazardous
            geometry: { sensorToBottomMm: 700, sensorToFullMm: 100 }
            fill:
              - { id: tof1, type: tof, chip: vl53l0x, multiplexer: mux0, multiplexerChannel: 0 }
          - id: B4
            class: other
            geometry: { sensorToBottomMm: 1100, sensorToFullMm: 200 }
            fill:
              - { id: tof2, type: tof, chip: vl53l1x, address: 0x29, multiplexer: mux0, multiplexerChannel: 1 }
              - { id: us4, type: ultrasonic, model: hcsr04, triggerGpio: 23, echoGpio: 24 }
            tilt: { gpio: 26 }

        """;

    public static SiteFileLoadResult Load(string yaml) => SiteFileLoader.LoadText(FileName, yaml);

    /// <summary>The path of a shipped site file (firmware-config/sites/<paramref name="file"/>) in this repository.</summary>
    public static string ShippedSite(string file)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeGateway.sln")))
            {
                return Path.Combine(directory.FullName, "firmware-config", "sites", file);
            }
        }

        throw new InvalidOperationException($"EdgeGateway.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>The valid file with <paramref name="oldText"/> (which must occur exactly once) replaced.</summary>
    public static string With(string oldText, string newText) => Replace(Valid, oldText, newText);

    /// <summary>The valid bin station with <paramref name="oldText"/> (which must occur exactly once) replaced.</summary>
    public static string StationWith(string oldText, string newText) => Replace(BinStation, oldText, newText);

    public static string Replace(string yaml, string oldText, string newText)
    {
        int first = yaml.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{oldText}' is not in the test YAML");
        Assert.True(yaml.IndexOf(oldText, first + 1, StringComparison.Ordinal) < 0, $"'{oldText}' occurs more than once in the test YAML");
        return string.Concat(yaml.AsSpan(0, first), newText, yaml.AsSpan(first + oldText.Length));
    }

    /// <summary>The 1-based line of the only line containing <paramref name="text"/>.</summary>
    public static int LineOf(string yaml, string text)
    {
        string[] lines = yaml.Split('\n');
        var matches = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(text, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"'{text}' is on {matches.Count} lines of the test YAML, expected exactly one");
        return matches[0] + 1;
    }

    /// <summary>The only problem in the result, after checking there is exactly one.</summary>
    public static ConfigurationProblem SingleProblem(SiteFileLoadResult result)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Configuration);
        return Assert.Single(result.Problems);
    }

    public static void AssertMentions(ConfigurationProblem problem, params string[] words)
    {
        foreach (string word in words)
        {
            Assert.Contains(word, problem.Message, StringComparison.Ordinal);
        }
    }
}
