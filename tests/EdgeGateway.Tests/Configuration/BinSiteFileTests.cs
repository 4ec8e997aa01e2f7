using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

/// <summary>The bins of a recycling station in a site file: what they load into, and every problem check-config finds in them.</summary>
public sealed class BinSiteFileTests
{
    /// <summary>One bin whose HC-SR04 is on <paramref name="triggerGpio"/>/<paramref name="echoGpio"/>, to append to <see cref="Valid"/>.</summary>
    private static string ShedBin(string id = "B1", int triggerGpio = 16, int echoGpio = 17) => $$"""
        bins:
          - id: {{id}}
            class: recyclable
            geometry: { sensorToBottomMm: 1100, sensorToFullMm: 150 }
            fill:
              - { id: us1, type: ultrasonic, model: hcsr04, triggerGpio: {{triggerGpio}}, echoGpio: {{echoGpio}} }

        """;

    // ---- shipped files -----------------------------------------------------------------------------------------

    [Fact]
    public void Shipped_recycling_station_is_four_bins_without_ports_or_mains()
    {
        SiteFileLoadResult result = SiteFileLoader.Load(ShippedSite("recycling-station.yaml"));

        Assert.Empty(result.Problems.Select(p => p.ToString()));
        SiteConfiguration site = result.Configuration!;
        Assert.Null(site.Mains);
        Assert.Empty(site.Ports);
        Assert.Equal(["B1", "B2", "B3", "B4"], site.Bins.Select(b => b.Id));
        Assert.Equal([BinClass.Recyclable, BinClass.Kitchen, BinClass.Hazardous, BinClass.Other], site.Bins.Select(b => b.Class));
        Assert.Equal(TimeSpan.FromSeconds(600), site.BinSampling.Period);
        Assert.All(site.Bins, b => Assert.NotNull(b.Thermometer));
        Assert.All(site.Bins, b => Assert.NotNull(b.Lid));
        Assert.Single(site.Bins, b => b.Tilt is not null);
        Assert.Equal(new BinThresholds(), site.BinThresholds);
        AssertFourBinStation(site, hasWeight: true);
    }

    [Fact]
    public void Demo_shed_keeps_its_ports_and_gains_the_same_four_bins()
    {
        SiteConfiguration site = SiteFileLoader.Load(ShippedSite("demo.yaml")).Configuration!;

        Assert.Equal(20, site.Ports.Count);
        Assert.Equal(["B1", "B2", "B3", "B4"], site.Bins.Select(b => b.Id));
        Assert.Equal(new I2cMultiplexer("mux0", 0x70, site.Multiplexers[0].Line), Assert.Single(site.Multiplexers));
        Assert.Equal(new BinThresholds(), site.BinThresholds);
        Assert.Equal(new BinSamplingSettings(), site.BinSampling);
        AssertFourBinStation(site, hasWeight: false);
    }

    [Fact]
    public void Shipped_bins_are_the_same_in_the_demo_and_the_station_but_for_their_pins()
    {
        SiteConfiguration demo = SiteFileLoader.Load(ShippedSite("demo.yaml")).Configuration!;
        SiteConfiguration station = SiteFileLoader.Load(ShippedSite("recycling-station.yaml")).Configuration!;

        Assert.Equal(station.Bins.Select(b => (b.Id, b.Class, b.Thresholds)), demo.Bins.Select(b => (b.Id, b.Class, b.Thresholds)));
        Assert.Equal(station.Bins.Select(b => Shape(b.Geometry)), demo.Bins.Select(b => Shape(b.Geometry)));
        Assert.Equal(station.Bins.Select(b => b.Thermometer!.DeviceId), demo.Bins.Select(b => b.Thermometer!.DeviceId));

        static string Shape(BinGeometry g) => $"{g.SensorToBottomMm}/{g.SensorToFullMm}/{string.Join(";", g.Calibration)}";
    }

    // ---- what a valid file loads into --------------------------------------------------------------------------

    [Fact]
    public void Bins_only_station_without_mains_is_valid()
    {
        SiteFileLoadResult result = Load(BinStation);

        Assert.Empty(result.Problems);
        Assert.True(result.IsValid);
        Assert.Null(result.Configuration!.Mains);
        Assert.Empty(result.Configuration.Ports);
        Assert.Equal(4, result.Configuration.Bins.Count);
    }

    [Fact]
    public void Bin_station_loads_into_the_bin_records()
    {
        SiteConfiguration site = Load(BinStation).Configuration!;

        BinDefinition b1 = site.Bins[0];
        Assert.Equal(LineOf(BinStation, "- id: B1"), b1.Line);
        Assert.Equal(new BinGeometry(1100, 150, []), b1.Geometry with { Calibration = [] });
        Assert.Empty(b1.Geometry.Calibration);
        Assert.Equal(new UltrasonicFillSensor("us1", UltrasonicModel.Hcsr04, 5, 6, LineOf(BinStation, "id: us1")), Assert.Single(b1.FillSensors));
        Assert.Equal(new ThermometerDefinition("b1-temp", "28-0316a2794e01", LineOf(BinStation, "thermometer:")), b1.Thermometer);
        Assert.Equal(new ContactInputDefinition(16, true, LineOf(BinStation, "lid:")), b1.Lid);
        Assert.Null(b1.Tilt);
        Assert.Null(b1.Weight);

        BinDefinition b2 = site.Bins[1];
        Assert.Equal(UltrasonicModel.JsnSr04t, Assert.IsType<UltrasonicFillSensor>(Assert.Single(b2.FillSensors)).Model);
        Assert.Equal(new WeightSensorDefinition(20, 21, 21500, 120, LineOf(BinStation, "weight:")), b2.Weight);

        BinDefinition b3 = site.Bins[2];
        Assert.Equal(new TimeOfFlightFillSensor("tof1", TimeOfFlightChip.Vl53L0X, 0x29, "mux0", 0, LineOf(BinStation, "id: tof1")), Assert.Single(b3.FillSensors));

        BinDefinition b4 = site.Bins[3];
        Assert.Equal(["tof2", "us4"], b4.FillSensors.Select(s => s.Id));
        Assert.Equal(new ContactInputDefinition(26, false, LineOf(BinStation, "tilt:")), b4.Tilt);
        Assert.All(site.Bins, b => Assert.Equal(new BinThresholds(), b.Thresholds));
        Assert.Equal(new BinThresholds(), site.BinThresholds);
        Assert.Equal(new BinSamplingSettings(), site.BinSampling);
    }

    [Fact]
    public void Chinese_class_names_are_accepted()
    {
        string yaml = BinStation
            .Replace("class: recyclable", "class: 可回收物", StringComparison.Ordinal)
            .Replace("class: kitchen", "class: 厨余垃圾", StringComparison.Ordinal)
            .Replace("class: hazardous", "class: 有害垃圾", StringComparison.Ordinal)
            .Replace("class: other", "class: 其他垃圾", StringComparison.Ordinal);

        SiteFileLoadResult result = Load(yaml);

        Assert.Empty(result.Problems);
        Assert.Equal([BinClass.Recyclable, BinClass.Kitchen, BinClass.Hazardous, BinClass.Other], result.Configuration!.Bins.Select(b => b.Class));
    }

    [Fact]
    public void Per_bin_threshold_overrides_merge_over_the_site_defaults()
    {
        string yaml = StationWith("    weight:", "    thresholds: { nearlyFullPct: 70, alarmClearMinutes: 0.5 }\n    weight:") + """
            binThresholds:
              nearlyFullPct: 85
              lidOpenMinutes: 15
              noEchoSamples: 4
            binSampling:
              periodSeconds: 600
              readingsPerSample: 7
            """;

        SiteConfiguration site = Load(yaml).Configuration!;

        var siteDefaults = new BinThresholds { NearlyFullPct = 85, LidOpenAfter = TimeSpan.FromMinutes(15), NoEchoSamples = 4 };
        Assert.Equal(siteDefaults, site.BinThresholds);
        Assert.Equal(siteDefaults with { NearlyFullPct = 70, AlarmClearAfter = TimeSpan.FromSeconds(30) }, site.Bins[1].Thresholds);
        Assert.Equal(siteDefaults, site.Bins[0].Thresholds);
        Assert.Equal(new BinSamplingSettings { Period = TimeSpan.FromMinutes(10), ReadingsPerSample = 7 }, site.BinSampling);
    }

    [Fact]
    public void Alarm_flapping_is_set_site_wide_and_per_kind_for_the_shed_and_every_bin()
    {
        string yaml = StationWith("    weight:", "    thresholds: { nearlyFullPct: 70 }\n    weight:") + """
            alarmFlapping:
              maxCycles: 4
              windowMinutes: 60
              kinds:
                bin_sensor_fault: { maxCycles: 2, holdMinutes: 20 }
            """;

        SiteConfiguration site = Load(yaml).Configuration!;

        var expected = new AlarmFlapSettings
        {
            Default = new AlarmFlapPolicy(4, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(10)),
            Kinds = new Dictionary<AlarmKind, AlarmFlapPolicy> { [AlarmKind.BinSensorFault] = new(2, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(20)) },
        };
        Assert.Equal(expected, site.ShedProtection.AlarmFlapping);
        Assert.Equal(expected, site.BinThresholds.AlarmFlapping);
        Assert.All(site.Bins, bin => Assert.Equal(expected, bin.Thresholds.AlarmFlapping));
        Assert.Equal(new AlarmFlapPolicy(2, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(20)), site.Bins[1].Thresholds.AlarmFlapping.For(AlarmKind.BinSensorFault));
        Assert.Equal(expected.Default, site.Bins[1].Thresholds.AlarmFlapping.For(AlarmKind.BinFire));
        Assert.Equal(AlarmFlapPolicy.Default, new ShedProtectionSettings().AlarmFlapping.For(AlarmKind.Smoke));
    }

    [Fact]
    public void Alarm_flapping_for_an_unknown_kind_or_out_of_range_is_a_problem()
    {
        string yaml = BinStation + """
            alarmFlapping:
              holdMinutes: -1
              kinds:
                bin_sensor_flap: { maxCycles: 2 }
            """;

        string[] problems = [.. Load(yaml).Problems.Select(p => p.ToString())];

        Assert.Equal(2, problems.Length);
        Assert.Contains(problems, p => p.Contains("alarmFlapping.holdMinutes", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("bin_sensor_flap", StringComparison.Ordinal));
    }

    [Fact]
    public void Calibration_table_is_kept_in_file_order()
    {
        string yaml = StationWith("      sensorToFullMm: 300\n", """
                  sensorToFullMm: 300
                  calibration:
                    - { distanceMm: 1000, fillPct: 0 }
                    - { distanceMm: 600, fillPct: 55 }
                    - { distanceMm: 300, fillPct: 100 }

            """);

        SiteConfiguration site = Load(yaml).Configuration!;

        Assert.Equal([new(1000, 0), new(600, 55), new(300, 100)], site.Bins[1].Geometry.Calibration);
    }

    [Fact]
    public void Same_VL53_address_on_different_mux_channels_is_fine()
    {
        SiteConfiguration site = Load(BinStation).Configuration!;

        var pair = site.Bins.SelectMany(b => b.FillSensors).OfType<TimeOfFlightFillSensor>().ToList();
        Assert.Equal([(0x29, 0), (0x29, 1)], pair.Select(s => (s.Address, s.MultiplexerChannel ?? -1)));
    }

    [Fact]
    public void Shed_with_bins_is_valid_and_check_config_counts_both()
    {
        string yaml = Valid + ShedBin();
        string file = Path.Combine(Path.GetTempPath(), $"shed-with-bins-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        string station = Path.Combine(Path.GetTempPath(), $"station-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(station, BinStation);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            int exitCode = CheckConfig.Run([file, station], output, error);

            Assert.Equal("", error.ToString());
            Assert.Equal(0, exitCode);
            Assert.Equal(
                $"{file}: ok — site test-site (gateway gw-test): 3 ports (2 AC, 1 DC), 1 bin{Environment.NewLine}" +
                $"{station}: ok — site test-station (gateway gw-test): 4 bins{Environment.NewLine}",
                output.ToString());
        }
        finally
        {
            File.Delete(file);
            File.Delete(station);
        }
    }

    [Fact]
    public void Site_with_only_DC_ports_needs_no_mains()
    {
        string yaml = Valid[..Valid.IndexOf("mains:", StringComparison.Ordinal)] + """
            multiplexers:
              - id: mux0
                address: 0x70
            expanders:
              - id: relays-a
                address: 0x20
            ports:
              - id: D01
                meter: { type: dc, address: 0x40, multiplexer: mux0, multiplexerChannel: 0, shuntOhms: 0.01, maxCurrentA: 8 }
                relay: { expander: relays-a, pin: 1 }
                protection: { shortCircuitPeakA: 7.5 }
            """;

        SiteFileLoadResult result = Load(yaml);

        Assert.Empty(result.Problems);
        Assert.Null(result.Configuration!.Mains);
    }

    // ---- problems ----------------------------------------------------------------------------------------------

    [Fact]
    public void AC_ports_without_mains_are_reported_at_the_first_AC_meter()
    {
        string yaml = With("""
            mains:
              nominalVoltageV: 220
              frequencyHz: 50
              voltageSensor: { adc: adc0, channel: 0 }
              voltsPerAdcVolt: 268.97

            """, "");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "channel: 1,"), problem.Line);
        AssertMentions(problem, "missing required section 'mains'", "ports P01, P02 are metered AC", "mains.voltageSensor");
    }

    [Fact]
    public void Empty_mains_section_with_AC_ports_is_reported_at_its_line()
    {
        string yaml = With("""
              nominalVoltageV: 220
              frequencyHz: 50
              voltageSensor: { adc: adc0, channel: 0 }
              voltsPerAdcVolt: 268.97

            """, "");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "mains:"), problem.Line);
        AssertMentions(problem, "missing required section 'mains' (it is empty)");
    }

    [Fact]
    public void Bin_echo_pin_on_a_relay_GPIO_is_reported_as_pin_used_twice()
    {
        string yaml = Valid + ShedBin(echoGpio: 5);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "echoGpio: 5"), problem.Line);
        AssertMentions(problem, "GPIO 5 is used twice: echo of HC-SR04 us1 of bin B1 and relay of port P01", $"line {LineOf(yaml, "relay: { gpio: 5 }")}");
    }

    [Theory]
    [InlineData("triggerGpio: 12, echoGpio: 13", "triggerGpio: 5, echoGpio: 13", "trigger of JSN-SR04T us2 of bin B2", "trigger of HC-SR04 us1 of bin B1")]
    [InlineData("dataGpio: 20", "dataGpio: 16", "HX711 data (DOUT) of bin B2", "lid switch of bin B1")]
    [InlineData("tilt: { gpio: 26 }", "tilt: { gpio: 21 }", "tilt switch of bin B4", "HX711 clock (PD_SCK) of bin B2")]
    [InlineData("tilt: { gpio: 26 }", "tilt: { gpio: 3 }", "tilt switch of bin B4", "I2C bus 1 SCL")]
    [InlineData("lid: { gpio: 16", "lid: { gpio: 4", "lid switch of bin B1", "the 1-Wire bus")]
    public void Every_bin_GPIO_joins_the_pin_used_twice_check(string oldText, string newText, string later, string earlier)
    {
        string yaml = StationWith(oldText, newText);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, newText), problem.Line);
        AssertMentions(problem, "is used twice", $"{later} and {earlier}");
    }

    [Fact]
    public void Two_VL53_at_0x29_on_the_main_bus_say_to_use_multiplexer_channels()
    {
        string yaml = StationWith(", multiplexer: mux0, multiplexerChannel: 0 }", " }")
            .Replace(", multiplexer: mux0, multiplexerChannel: 1 }", " }", StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "id: tof2"), problem.Line);
        AssertMentions(
            problem,
            "I2C address 0x29 on the main I2C bus (i2c-1) is used twice: VL53L1X tof2 of bin B4 and VL53L0X tof1 of bin B3",
            $"line {LineOf(yaml, "id: tof1")}",
            "both answer at 0x29; put them on different multiplexer channels");
    }

    [Fact]
    public void Two_VL53_on_the_same_mux_channel_are_reported()
    {
        string yaml = StationWith("multiplexerChannel: 1", "multiplexerChannel: 0 ");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "id: tof2"), problem.Line);
        AssertMentions(problem, "I2C address 0x29 on mux0 channel 0 is used twice: VL53L1X tof2 of bin B4 and VL53L0X tof1 of bin B3", "put them on different multiplexer channels");
    }

    [Fact]
    public void VL53_on_the_main_bus_answers_on_every_mux_channel()
    {
        string yaml = StationWith(", multiplexer: mux0, multiplexerChannel: 1 }", " }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "id: tof2"), problem.Line);
        AssertMentions(problem, "I2C address 0x29 is used twice: VL53L1X tof2 of bin B4 on the main I2C bus and VL53L0X tof1 of bin B3 on mux0 channel 0", "every multiplexer channel", "both answer at 0x29");
    }

    [Fact]
    public void VL53_and_an_INA219_on_one_address_get_no_VL53_advice()
    {
        string yaml = Valid + """
            bins:
              - id: B1
                class: hazardous
                geometry: { sensorToBottomMm: 700, sensorToFullMm: 100 }
                fill:
                  - { id: tof1, type: tof, chip: vl53l0x, address: 0x40, multiplexer: mux0, multiplexerChannel: 0 }
            """;

        // The shared multiplexer is a problem of its own (ports and bins on one mux); the address clash is this test's.
        IReadOnlyList<ConfigurationProblem> problems = Load(yaml).Problems;
        ConfigurationProblem problem = Assert.Single(problems, p => p.Message.Contains("used twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("carries port meters", StringComparison.Ordinal));

        Assert.Equal(LineOf(yaml, "id: tof1"), problem.Line);
        AssertMentions(problem, "I2C address 0x40 on mux0 channel 0 is used twice: VL53L0X tof1 of bin B1 and INA219 of port D01");
        Assert.DoesNotContain("both answer", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_multiplexer_reference_is_reported_with_a_suggestion()
    {
        string yaml = StationWith("multiplexer: mux0, multiplexerChannel: 1", "multiplexer: mux1, multiplexerChannel: 1");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "mux1"), problem.Line);
        AssertMentions(problem, "bins[B4].fill[tof2].multiplexer: unknown multiplexer 'mux1' (did you mean 'mux0'?); defined multiplexers: mux0");
    }

    [Fact]
    public void JSN_SR04T_blind_zone_beyond_the_full_line_makes_the_full_line_unmeasurable()
    {
        string yaml = StationWith("sensorToFullMm: 300", "sensorToFullMm: 160");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "jsn-sr04t"), problem.Line);
        AssertMentions(
            problem,
            "bins[B2].fill[us2]: the JSN-SR04T's blind zone is 200 mm, but the full line is 160 mm from the sensor",
            $"(sensorToFullMm, line {LineOf(yaml, "sensorToFullMm: 160")})",
            "the full line is unmeasurable",
            "HC-SR04, VL53L0X, VL53L1X");
    }

    [Fact]
    public void Full_line_just_outside_the_blind_zone_is_fine_but_at_its_edge_is_not()
    {
        Assert.Empty(Load(StationWith("sensorToFullMm: 300", "sensorToFullMm: 201")).Problems);
        AssertMentions(SingleProblem(Load(StationWith("sensorToFullMm: 300", "sensorToFullMm: 200"))), "blind zone is 200 mm");
    }

    [Fact]
    public void VL53L0X_range_shorter_than_the_bin_is_reported()
    {
        string yaml = StationWith("sensorToBottomMm: 700", "sensorToBottomMm: 2500");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "vl53l0x"), problem.Line);
        AssertMentions(
            problem,
            "bins[B3].fill[tof1]: the VL53L0X reaches 2000 mm at most, but the bottom is 2500 mm from the sensor",
            $"(sensorToBottomMm, line {LineOf(yaml, "sensorToBottomMm: 2500")})",
            "VL53L1X");
    }

    [Fact]
    public void Calibration_that_is_not_monotonic_is_reported_at_the_offending_point()
    {
        string yaml = StationWith("      sensorToFullMm: 300\n", """
                  sensorToFullMm: 300
                  calibration:
                    - { distanceMm: 1000, fillPct: 0 }
                    - { distanceMm: 600, fillPct: 55 }
                    - { distanceMm: 700, fillPct: 80 }
                    - { distanceMm: 300, fillPct: 100 }

            """);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "distanceMm: 700"), problem.Line);
        AssertMentions(
            problem,
            "bins[B2].geometry.calibration: not monotonic: 700 mm at 80 % here and 600 mm at 55 % at line " + LineOf(yaml, "distanceMm: 600"),
            "the fill must rise as the distance falls");
    }

    [Fact]
    public void Calibration_needs_two_points()
    {
        string yaml = StationWith("      sensorToFullMm: 300\n", "      sensorToFullMm: 300\n      calibration:\n        - { distanceMm: 1000, fillPct: 0 }\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "calibration:"), problem.Line);
        AssertMentions(problem, "bins[B2].geometry.calibration: a calibration table needs at least 2 points", "got 1");
    }

    [Fact]
    public void Full_line_too_close_to_the_bottom_is_out_of_range()
    {
        string yaml = StationWith("sensorToFullMm: 300", "sensorToFullMm: 960");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "sensorToFullMm: 960"), problem.Line);
        AssertMentions(problem, "bins[B2].geometry.sensorToFullMm: 960 is out of range (allowed 0..950 mm", "sensorToBottomMm 1000 mm");
    }

    [Fact]
    public void Unknown_class_is_reported_with_a_suggestion()
    {
        string yaml = StationWith("class: recyclable", "class: recycable");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "class: recycable"), problem.Line);
        AssertMentions(
            problem,
            "bins[B1].class: 'recycable' is not a bin class (did you mean 'recyclable'?)",
            "allowed: recyclable (可回收物), kitchen (厨余垃圾), hazardous (有害垃圾), other (其他垃圾)");
    }

    [Theory]
    [InlineData("干垃圾", "其他垃圾")]
    [InlineData("湿垃圾", "厨余垃圾")]
    [InlineData("可回收垃圾", "可回收物")]
    public void Other_Chinese_class_names_suggest_the_national_one(string given, string suggested)
    {
        string yaml = StationWith("class: other", $"class: {given}");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, given), problem.Line);
        AssertMentions(problem, $"'{given}' is not a bin class (did you mean '{suggested}'?)");
    }

    [Fact]
    public void Overflow_at_or_below_nearly_full_is_rejected()
    {
        string yaml = BinStation + """
            binThresholds:
              nearlyFullPct: 90
              overflowPct: 90
            """;

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "overflowPct: 90"), problem.Line);
        AssertMentions(problem, "binThresholds: overflowPct 90 % must be above nearlyFullPct 90 %");
    }

    [Fact]
    public void Bin_override_of_nearly_full_above_the_site_overflow_is_rejected_at_the_override()
    {
        string yaml = StationWith("    weight:", "    thresholds: { nearlyFullPct: 97 }\n    weight:");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "nearlyFullPct: 97"), problem.Line);
        AssertMentions(problem, "bins[B2].thresholds: overflowPct 95 % (binThresholds) must be above nearlyFullPct 97 %");
    }

    [Fact]
    public void Empty_threshold_must_be_below_nearly_full()
    {
        string yaml = BinStation + """
            binThresholds:
              nearlyFullPct: 50
              emptyPct: 50
            """;

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "emptyPct: 50"), problem.Line);
        AssertMentions(problem, "binThresholds: emptyPct 50 % must be below nearlyFullPct 50 %");
    }

    [Fact]
    public void Threshold_out_of_range_names_its_range()
    {
        string yaml = BinStation + "binThresholds:\n  stuckSamples: 1\nbinSampling:\n  periodSeconds: 7200\n";

        SiteFileLoadResult result = Load(yaml);

        Assert.Equal([LineOf(yaml, "stuckSamples"), LineOf(yaml, "periodSeconds")], result.Problems.Select(p => p.Line));
        AssertMentions(result.Problems[0], "binThresholds.stuckSamples: 1 is out of range (allowed 2..1000 samples)");
        AssertMentions(result.Problems[1], "binSampling.periodSeconds: 7200 is out of range (allowed 1..3600 s)");
    }

    [Fact]
    public void Bin_without_a_fill_sensor_is_reported()
    {
        string yaml = StationWith("""
                fill:
                  - { id: tof1, type: tof, chip: vl53l0x, multiplexer: mux0, multiplexerChannel: 0 }

            """, "");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "- id: B3"), problem.Line);
        AssertMentions(problem, "bins[B3]: a bin needs at least one fill sensor");
    }

    [Fact]
    public void Bin_with_an_empty_fill_list_is_reported_at_the_list()
    {
        string yaml = StationWith("""
                fill:
                  - { id: tof1, type: tof, chip: vl53l0x, multiplexer: mux0, multiplexerChannel: 0 }

            """, "    fill: []\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "fill: []"), problem.Line);
        AssertMentions(problem, "bins[B3]: a bin needs at least one fill sensor");
    }

    [Fact]
    public void Three_fill_sensors_are_one_too_many()
    {
        string yaml = StationWith("echoGpio: 24 }\n", "echoGpio: 24 }\n      - { id: us5, type: ultrasonic, model: hcsr04, triggerGpio: 17, echoGpio: 27 }\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "id: us5"), problem.Line);
        AssertMentions(problem, "bins[B4].fill: a bin has one fill sensor or a redundant pair, at most 2");
    }

    [Fact]
    public void Bin_id_that_is_a_port_id_is_reported()
    {
        string yaml = Valid + ShedBin(id: "P02");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "class: recyclable") - 1, problem.Line);
        AssertMentions(problem, "duplicate id 'P02': bin P02 and port P02", $"line {LineOf(yaml, "channel: 2,") - 1}", "ports and bins share one set of ids");
    }

    [Fact]
    public void Duplicate_bin_id_is_reported_at_the_second_bin()
    {
        string yaml = StationWith("- id: B2", "- id: B1");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "class: kitchen") - 1, problem.Line);
        AssertMentions(problem, "duplicate bin id 'B1'", $"first defined at line {LineOf(yaml, "class: recyclable") - 1}");
    }

    [Fact]
    public void Sensor_ids_are_unique_within_the_site()
    {
        string yaml = StationWith("id: us4,", "id: us1,");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "triggerGpio: 23"), problem.Line);
        AssertMentions(problem, "sensor id 'us1' is used twice: fill sensor of bin B4 and fill sensor of bin B1", $"line {LineOf(yaml, "triggerGpio: 5")}");
    }

    [Fact]
    public void Bin_thermometer_may_not_share_the_shed_thermometer_DS18B20()
    {
        string yaml = Valid + ShedBin() + "    thermometer: { id: b1-temp, deviceId: 28-0316a2794dff }\n";

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "b1-temp"), problem.Line);
        AssertMentions(problem, "DS18B20 28-0316a2794dff is used twice: thermometer b1-temp of bin B1 and shed thermometer cabinet", $"line {LineOf(yaml, "id: cabinet")}");
    }

    [Fact]
    public void Bin_thermometer_id_may_not_repeat_a_shed_thermometer_id()
    {
        string yaml = Valid + ShedBin() + "    thermometer: { id: cabinet, deviceId: 28-0316a2794e01 }\n";

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "28-0316a2794e01"), problem.Line);
        AssertMentions(problem, "sensor id 'cabinet' is used twice: thermometer of bin B1 and shed thermometer cabinet");
    }

    [Fact]
    public void Bin_thermometer_needs_the_1_Wire_bus()
    {
        string yaml = StationWith("site:\n", "board:\n  oneWirePin: null\nsite:\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "thermometer:"), problem.Line);
        AssertMentions(problem, "bins[B1].thermometer: a DS18B20 needs the 1-Wire bus, but board.oneWirePin is null");
    }

    [Fact]
    public void Unknown_bin_key_is_reported_with_the_closest_key()
    {
        string yaml = StationWith("    tilt: { gpio: 26 }", "    tillt: { gpio: 26 }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "tillt"), problem.Line);
        AssertMentions(problem, "bins[B4]: unknown key 'tillt' (did you mean 'tilt'?)", "allowed keys: id, class, geometry, fill, weight, thermometer, lid, tilt, thresholds");
    }

    [Fact]
    public void Ultrasonic_key_in_a_tof_sensor_says_where_it_belongs()
    {
        string yaml = StationWith("chip: vl53l0x,", "chip: vl53l0x, echoGpio: 7,");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "echoGpio: 7"), problem.Line);
        AssertMentions(problem, "bins[B3].fill[tof1]: unknown key 'echoGpio'", "is an ultrasonic sensor key, but this sensor is type tof");
    }

    [Fact]
    public void Wrong_types_and_missing_values_are_reported_in_bins_as_everywhere()
    {
        string yaml = StationWith("countsPerKg: 21500", "countsPerKg: lots")
            .Replace("model: jsn-sr04t, ", "", StringComparison.Ordinal)
            .Replace("sensorToBottomMm: 700", "sensorToBottomMm: 50", StringComparison.Ordinal);

        SiteFileLoadResult result = Load(yaml);

        Assert.Equal([LineOf(yaml, "id: us2"), LineOf(yaml, "countsPerKg"), LineOf(yaml, "sensorToBottomMm: 50")], result.Problems.Select(p => p.Line));
        AssertMentions(result.Problems[0], "bins[B2].fill[us2]: missing required key 'model'");
        AssertMentions(result.Problems[1], "bins[B2].weight.countsPerKg: expected a number, got 'lots'");
        AssertMentions(result.Problems[2], "bins[B3].geometry.sensorToBottomMm: 50 is out of range (allowed 100..5000 mm)");
    }

    private static void AssertFourBinStation(SiteConfiguration site, bool hasWeight)
    {
        IReadOnlyList<BinDefinition> bins = site.Bins;
        Assert.Equal(UltrasonicModel.Hcsr04, Assert.IsType<UltrasonicFillSensor>(Assert.Single(bins[0].FillSensors)).Model);
        Assert.Equal(UltrasonicModel.JsnSr04t, Assert.IsType<UltrasonicFillSensor>(Assert.Single(bins[1].FillSensors)).Model);
        Assert.Equal(hasWeight, bins[1].Weight is not null);
        TimeOfFlightFillSensor hazardous = Assert.IsType<TimeOfFlightFillSensor>(Assert.Single(bins[2].FillSensors));
        Assert.Equal((TimeOfFlightChip.Vl53L0X, 0x29, "mux0", 0), (hazardous.Chip, hazardous.Address, hazardous.Multiplexer, hazardous.MultiplexerChannel));
        Assert.Collection(
            bins[3].FillSensors,
            s => Assert.Equal((TimeOfFlightChip.Vl53L1X, 0x29, "mux0", (int?)1), (Assert.IsType<TimeOfFlightFillSensor>(s).Chip, ((TimeOfFlightFillSensor)s).Address, ((TimeOfFlightFillSensor)s).Multiplexer, ((TimeOfFlightFillSensor)s).MultiplexerChannel)),
            s => Assert.Equal(UltrasonicModel.Hcsr04, Assert.IsType<UltrasonicFillSensor>(s).Model));
        Assert.All(bins, b => Assert.NotNull(b.Thermometer));
        Assert.All(bins.SelectMany(b => b.FillSensors), s => Assert.True(FillSensorSpec.Of(s).Fits(BinOf(site, s).Geometry.SensorToBottomMm, BinOf(site, s).Geometry.SensorToFullMm)));
    }

    private static BinDefinition BinOf(SiteConfiguration site, FillSensorDefinition sensor) => site.Bins.Single(b => b.FillSensors.Contains(sensor));
}

public sealed class MultiplexerThreadTests
{
    [Fact]
    public void Multiplexer_carrying_both_a_port_meter_and_a_bin_sensor_is_reported_at_the_multiplexer()
    {
        string yaml = EdgeGateway.Tests.Simulation.ShedHarness.SiteYaml + """

            bins:
              - id: B9
                class: other
                geometry: { sensorToBottomMm: 1000, sensorToFullMm: 100 }
                fill:
                  - { id: b9-tof, type: tof, chip: vl53l1x, multiplexer: mux0, multiplexerChannel: 3 }
            """;

        SiteFileLoadResult result = SiteFileLoader.LoadText("shared-mux.yaml", yaml);

        ConfigurationProblem problem = Assert.Single(result.Problems);
        int muxLine = yaml.Split('\n').ToList().FindIndex(l => l.Contains("id: mux0", StringComparison.Ordinal)) + 1;
        Assert.Equal(muxLine, problem.Line);
        Assert.Contains("multiplexer mux0 carries port meters (D1) and bin sensors (b9-tof)", problem.Message, StringComparison.Ordinal);
    }
}
