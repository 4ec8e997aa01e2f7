using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

/// <summary>One test per kind of problem: each names the exact line and the words a technician needs.</summary>
public sealed class SiteFileProblemTests
{
    [Fact]
    public void The_test_site_file_is_valid()
    {
        SiteFileLoadResult result = Load(Valid);

        Assert.Empty(result.Problems);
        Assert.True(result.IsValid);
    }

    /// <summary>Ids go into MQTT topics and InfluxDB tags: the contract's id rule (1 to 64 characters, starting with a
    /// letter or digit), so a gateway cannot be configured with an id the hub refuses.</summary>
    [Theory]
    [InlineData("- id: P01", "- id: _P01", "ports[#1].id")]
    [InlineData("- id: P01", "- id: P0123456789012345678901234567890123456789012345678901234567890123", "ports[#1].id")]
    [InlineData("gateway: gw-test", "gateway: gw-0123456789012345678901234567890123456789012345678901234567890123", "site.gateway")]
    public void An_id_beyond_the_contracts_id_rule_is_refused(string line, string replacement, string path)
    {
        string yaml = Valid.Replace(line, replacement, StringComparison.Ordinal);

        ConfigurationProblem problem = Assert.Single(Load(yaml).Problems, p => p.Message.Contains("1 to 64", StringComparison.Ordinal));

        Assert.Equal(LineOf(yaml, replacement.TrimStart('-', ' ')), problem.Line);
        AssertMentions(problem, path, "starting with a letter or digit");
    }

    [Fact]
    public void Unknown_key_is_reported_with_the_closest_allowed_key()
    {
        string yaml = Valid + """
            protection:
              port:
                maxPowrW: 800
            """;

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "maxPowrW"), problem.Line);
        AssertMentions(problem, "protection.port", "unknown key 'maxPowrW'", "did you mean 'maxPowerW'?", "allowed keys: maxPowerW, overloadDebounceMs");
    }

    [Fact]
    public void Unknown_top_level_key_lists_the_sections()
    {
        string yaml = Valid + "sampeling:\n  roundPeriodMs: 500\n";

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "sampeling:"), problem.Line);
        AssertMentions(problem, "unknown top-level key 'sampeling'", "did you mean 'sampling'?", "allowed keys: site, board, mains");
    }

    [Fact]
    public void Time_key_without_its_unit_suggests_the_key_with_the_unit()
    {
        string yaml = Valid + """
            protection:
              port:
                completeHold: 10
            """;

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "completeHold:"), problem.Line);
        AssertMentions(problem, "unknown key 'completeHold'", "did you mean 'completeHoldMinutes'?");
    }

    [Fact]
    public void A_dc_key_in_an_ac_meter_says_it_belongs_to_dc_meters()
    {
        string yaml = With("channel: 1, ampsPerAdcVolt: 30 }", "channel: 1, ampsPerAdcVolt: 30, shuntOhms: 0.1 }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "shuntOhms: 0.1"), problem.Line);
        AssertMentions(problem, "ports[P01].meter", "unknown key 'shuntOhms'", "is a dc meter key, but this meter is type ac");
    }

    [Fact]
    public void Wrong_type_is_reported_with_the_text_found()
    {
        string yaml = With("nominalVoltageV: 220", "nominalVoltageV: abc");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "nominalVoltageV"), problem.Line);
        AssertMentions(problem, "mains.nominalVoltageV", "expected a number, got 'abc'");
    }

    [Fact]
    public void Fraction_where_a_whole_number_is_needed_is_a_wrong_type()
    {
        string yaml = With("channel: 2,", "channel: 2.5,");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "channel: 2.5"), problem.Line);
        AssertMentions(problem, "ports[P02].meter.channel", "expected a whole number, got '2.5'");
    }

    [Fact]
    public void A_mapping_where_a_value_is_needed_is_a_wrong_type()
    {
        string yaml = With("gateway: gw-test", "gateway: { name: gw-test }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "gateway:"), problem.Line);
        AssertMentions(problem, "site.gateway", "got a mapping");
    }

    [Fact]
    public void Missing_required_key_is_reported_at_its_section()
    {
        string yaml = With("  voltsPerAdcVolt: 268.97\n", "");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "mains:"), problem.Line);
        AssertMentions(problem, "mains", "missing required key 'voltsPerAdcVolt'");
    }

    [Fact]
    public void Missing_required_section_is_reported()
    {
        string yaml = With("site:\n  id: test-site\n  gateway: gw-test\n", "");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(1, problem.Line);
        AssertMentions(problem, "missing required section 'site'");
    }

    [Fact]
    public void Value_out_of_range_names_the_range_and_unit()
    {
        string yaml = With("nominalVoltageV: 220", "nominalVoltageV: 300");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "nominalVoltageV"), problem.Line);
        AssertMentions(problem, "mains.nominalVoltageV", "300 is out of range", "100..260 V");
    }

    [Fact]
    public void Address_out_of_range_is_shown_in_hex()
    {
        string yaml = With("address: 0x20", "address: 0x30");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "address: 0x30"), problem.Line);
        AssertMentions(problem, "expanders[relays-a].address", "0x30 is out of range", "0x20..0x27");
    }

    [Fact]
    public void Site_id_that_cannot_go_into_an_MQTT_topic_is_reported()
    {
        string yaml = With("id: test-site", "id: Test Site");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "id: Test Site"), problem.Line);
        AssertMentions(problem, "site.id", "'Test Site' is not valid", "MQTT");
    }

    [Fact]
    public void Duplicate_key_is_reported_with_the_first_line_and_loading_goes_on()
    {
        string yaml = Replace(With("  frequencyHz: 50\n", "  frequencyHz: 50\n  frequencyHz: 60\n"), "nominalVoltageV: 220", "nominalVoltageV: 20");

        SiteFileLoadResult result = Load(yaml);

        Assert.Collection(
            result.Problems,
            p =>
            {
                Assert.Equal(LineOf(yaml, "nominalVoltageV"), p.Line);
                AssertMentions(p, "out of range");
            },
            p =>
            {
                Assert.Equal(LineOf(yaml, "frequencyHz: 60"), p.Line);
                AssertMentions(p, "duplicate key 'frequencyHz'", $"first given at line {LineOf(yaml, "frequencyHz: 50")}");
            });
    }

    [Fact]
    public void Duplicate_port_id_is_reported_at_the_second_port()
    {
        string yaml = With("  - id: P02\n", "  - id: P01\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "channel: 2,") - 1, problem.Line);
        AssertMentions(problem, "duplicate port id 'P01'", $"first defined at line {LineOf(yaml, "channel: 1,") - 1}");
    }

    [Fact]
    public void Duplicate_I2C_address_on_the_main_bus_is_reported()
    {
        string yaml = With("    address: 0x20\n", "    address: 0x20\n  - id: relays-b\n    address: 32\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "address: 32"), problem.Line);
        AssertMentions(problem, "I2C address 0x20 on the main I2C bus (i2c-1) is used twice", "expander relays-b and expander relays-a", $"line {LineOf(yaml, "address: 0x20")}");
    }

    [Fact]
    public void Duplicate_I2C_address_on_one_mux_channel_is_reported()
    {
        string yaml = With("  - id: D01\n", """
              - id: D02
                meter: { type: dc, address: 0x40, multiplexer: mux0, multiplexerChannel: 0, shuntOhms: 0.01, maxCurrentA: 8 }
                relay: { expander: relays-a, pin: 2 }
                protection: { shortCircuitPeakA: 7.5 }
              - id: D01

            """);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOfNth(yaml, "address: 0x40", 2), problem.Line);
        AssertMentions(problem, "I2C address 0x40 on mux0 channel 0 is used twice", "INA219 of port D01 and INA219 of port D02", $"line {LineOfNth(yaml, "address: 0x40", 1)}");
    }

    [Fact]
    public void Same_address_on_other_mux_channels_is_fine()
    {
        string yaml = With("  - id: D01\n", """
              - id: D02
                meter: { type: dc, address: 0x40, multiplexer: mux0, multiplexerChannel: 1, shuntOhms: 0.01, maxCurrentA: 8 }
                relay: { expander: relays-a, pin: 2 }
                protection: { shortCircuitPeakA: 7.5 }
              - id: D01

            """);

        Assert.Empty(Load(yaml).Problems);
    }

    [Fact]
    public void Main_bus_device_conflicts_with_the_same_address_behind_a_mux()
    {
        string yaml = Valid.Replace("ports:\n", """
            ports:
              - id: D02
                meter: { type: dc, address: 0x40, shuntOhms: 0.01, maxCurrentA: 8 }
                relay: { expander: relays-a, pin: 2 }
                protection: { shortCircuitPeakA: 7.5 }

            """, StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "multiplexerChannel: 0"), problem.Line);
        AssertMentions(
            problem,
            "I2C address 0x40 is used twice",
            "INA219 of port D01 on mux0 channel 0 and INA219 of port D02 on the main I2C bus",
            $"line {LineOf(yaml, "address: 0x40, shuntOhms")}",
            "every multiplexer channel");
    }

    [Fact]
    public void Relay_on_a_GPIO_another_relay_uses_is_reported_as_pin_used_twice()
    {
        string yaml = With("relay: { expander: relays-a, pin: 0 }", "relay: { gpio: 5 }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOfNth(yaml, "relay: { gpio: 5 }", 2), problem.Line);
        AssertMentions(problem, "GPIO 5 is used twice: relay of port P02 and relay of port P01", $"line {LineOfNth(yaml, "relay: { gpio: 5 }", 1)}");
    }

    [Fact]
    public void Relay_on_the_I2C_data_pin_is_reported_as_pin_used_twice()
    {
        string yaml = With("relay: { gpio: 5 }", "relay: { gpio: 2 }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "relay: { gpio: 2 }"), problem.Line);
        AssertMentions(problem, "GPIO 2 is used twice: relay of port P01 and I2C bus 1 SDA", $"line {LineOf(yaml, "i2cBus: 1")}");
    }

    [Fact]
    public void Smoke_input_on_a_relay_GPIO_is_reported_as_pin_used_twice()
    {
        string yaml = With("smoke: { gpio: 27", "smoke: { gpio: 5");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "smoke:"), problem.Line);
        AssertMentions(problem, "GPIO 5 is used twice: smoke detector input and relay of port P01", $"line {LineOf(yaml, "relay: { gpio: 5 }")}");
    }

    [Fact]
    public void Relay_on_an_SPI_chip_select_pin_is_reported_as_pin_used_twice()
    {
        string yaml = With("relay: { gpio: 5 }", "relay: { gpio: 8 }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "relay: { gpio: 8 }"), problem.Line);
        AssertMentions(problem, "GPIO 8 is used twice: relay of port P01 and SPI0 CE0 (chip select of adc0)");
    }

    [Fact]
    public void Relay_on_the_default_1_Wire_pin_is_reported_as_pin_used_twice()
    {
        string yaml = Replace(With("  oneWirePin: 4\n", ""), "relay: { gpio: 5 }", "relay: { gpio: 4 }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "relay: { gpio: 4 }"), problem.Line);
        AssertMentions(problem, "GPIO 4 is used twice: relay of port P01 and the 1-Wire bus", "defaults to 4");
    }

    [Fact]
    public void ADC_channel_used_by_two_ports_is_reported()
    {
        string yaml = With("channel: 2,", "channel: 1,");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOfNth(yaml, "channel: 1,", 2), problem.Line);
        AssertMentions(problem, "adc0 channel 1 is used twice: current sensor of port P02 and current sensor of port P01", $"line {LineOfNth(yaml, "channel: 1,", 1)}");
    }

    [Fact]
    public void Port_on_the_mains_voltage_sensor_channel_is_reported_as_ADC_channel_used_twice()
    {
        string yaml = With("channel: 1,", "channel: 0,");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "channel: 0,"), problem.Line);
        AssertMentions(problem, "adc0 channel 0 is used twice: current sensor of port P01 and the mains voltage sensor", $"line {LineOf(yaml, "voltageSensor:")}");
    }

    [Fact]
    public void Unknown_ADC_reference_is_reported_with_a_suggestion()
    {
        string yaml = With("adc: adc0, channel: 1", "adc: adc9, channel: 1");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "adc: adc9"), problem.Line);
        AssertMentions(problem, "ports[P01].meter.adc", "unknown ADC 'adc9'", "did you mean 'adc0'?", "defined ADCs: adc0");
    }

    [Fact]
    public void Unknown_expander_and_multiplexer_references_are_reported()
    {
        string yaml = Replace(With("expander: relays-a, pin: 0", "expander: relays-b, pin: 0"), "multiplexer: mux0", "multiplexer: mux1");

        SiteFileLoadResult result = Load(yaml);

        Assert.Collection(
            result.Problems,
            p =>
            {
                Assert.Equal(LineOf(yaml, "relays-b"), p.Line);
                AssertMentions(p, "ports[P02].relay.expander", "unknown expander 'relays-b'", "defined expanders: relays-a");
            },
            p =>
            {
                Assert.Equal(LineOf(yaml, "mux1"), p.Line);
                AssertMentions(p, "ports[D01].meter.multiplexer", "unknown multiplexer 'mux1'", "defined multiplexers: mux0");
            });
    }

    [Fact]
    public void Expander_pin_used_by_two_relays_is_reported()
    {
        string yaml = With("relays-a, pin: 1 }", "relays-a, pin: 0 }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "D01") + 2, problem.Line);
        AssertMentions(problem, "expander relays-a pin 0 is used twice: relay of port D01 and relay of port P02", $"line {LineOf(yaml, "P02") + 2}");
    }

    [Fact]
    public void SPI_chip_select_used_by_two_ADCs_is_reported()
    {
        string yaml = With("    referenceV: 3.3\n", """
                referenceV: 3.3
              - id: adc1
                chip: mcp3008
                spiBus: 0
                chipSelect: 0
                referenceV: 3.3

            """);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOfNth(yaml, "chipSelect: 0", 2), problem.Line);
        AssertMentions(problem, "SPI bus 0 chip select 0 is used twice: adc1 and adc0", $"line {LineOfNth(yaml, "chipSelect: 0", 1)}");
    }

    [Fact]
    public void Chip_select_the_SPI_bus_does_not_have_is_reported()
    {
        string yaml = With("chipSelect: 0", "chipSelect: 2");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "chipSelect: 2"), problem.Line);
        AssertMentions(problem, "SPI0 has chip selects 0..1 only");
    }

    [Fact]
    public void Short_circuit_threshold_above_the_CT_range_is_unreachable()
    {
        string yaml = With("    relay: { gpio: 5 }\n", "    relay: { gpio: 5 }\n    protection: { shortCircuitPeakA: 50 }\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "shortCircuitPeakA: 50"), problem.Line);
        AssertMentions(problem, "ports[P01].protection.shortCircuitPeakA: 50 A is unreachable: the channel saturates at 49.5 A", "referenceV 3.3 V / 2 × ampsPerAdcVolt 30 A/V");
    }

    [Fact]
    public void Site_short_circuit_threshold_above_the_CT_range_is_reported_once_naming_the_ports()
    {
        string yaml = Valid + """
            protection:
              port:
                shortCircuitPeakA: 60
            """;

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "shortCircuitPeakA: 60"), problem.Line);
        AssertMentions(problem, "protection.port.shortCircuitPeakA: 60 A is unreachable on ports P01, P02: their channels saturate at 49.5 A");
    }

    [Fact]
    public void Short_circuit_threshold_above_the_INA219_range_is_unreachable()
    {
        string yaml = With("    protection: { shortCircuitPeakA: 7.5 }\n", "    protection: { shortCircuitPeakA: 35 }\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "shortCircuitPeakA: 35"), problem.Line);
        AssertMentions(problem, "35 A is unreachable: the channel saturates at 32 A", "0.32 V / shuntOhms 0.01 Ω");
    }

    [Fact]
    public void No_load_power_must_be_below_the_complete_floor()
    {
        string yaml = Valid + """
            protection:
              port:
                completeFloorW: 15
                noLoadW: 20
            """;

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "noLoadW: 20"), problem.Line);
        AssertMentions(problem, "protection.port", "noLoadW 20 W must be below completeFloorW 15 W");
    }

    [Fact]
    public void Relay_with_both_a_GPIO_and_an_expander_pin_is_reported()
    {
        string yaml = With("relay: { gpio: 5 }", "relay: { gpio: 5, expander: relays-a, pin: 3 }");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "pin: 3"), problem.Line);
        AssertMentions(problem, "ports[P01].relay", "either 'gpio: N' or 'expander: ID'", "not both");
    }

    [Fact]
    public void Thermometers_without_a_1_Wire_bus_are_reported()
    {
        string yaml = With("oneWirePin: 4", "oneWirePin: null");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "thermometers:"), problem.Line);
        AssertMentions(problem, "need the 1-Wire bus", "board.oneWirePin is null");
    }

    [Fact]
    public void YAML_syntax_error_is_reported_at_its_line()
    {
        string yaml = With("  frequencyHz: 50\n", " frequencyHz: 50\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "frequencyHz"), problem.Line);
        AssertMentions(problem, "YAML syntax error");
    }

    [Fact]
    public void Unclosed_flow_mapping_is_reported_as_a_YAML_syntax_error()
    {
        string yaml = With("relay: { gpio: 5 }", "relay: { gpio: 5");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "relay: { gpio: 5"), problem.Line);
        AssertMentions(problem, "YAML syntax error");
    }

    [Fact]
    public void Tab_indentation_is_reported_at_the_line_with_the_tab()
    {
        string yaml = With("  frequencyHz: 50\n", "\tfrequencyHz: 50\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "frequencyHz"), problem.Line);
        AssertMentions(problem, "YAML syntax error", "tab", "spaces");
    }

    [Fact]
    public void Section_written_with_nothing_in_it_is_reported_at_its_line()
    {
        string yaml = With("  voltageSensor: { adc: adc0, channel: 0 }\n", "  voltageSensor:\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "voltageSensor:"), problem.Line);
        AssertMentions(problem, "mains: missing required section 'voltageSensor' (it is empty)");
    }

    [Fact]
    public void Duplicate_ADC_id_is_reported_at_the_second_definition()
    {
        string yaml = With("    referenceV: 3.3\n", """
                referenceV: 3.3
              - id: adc0
                chip: mcp3208
                spiBus: 0
                chipSelect: 1
                referenceV: 3.3

            """);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOfNth(yaml, "- id: adc0", 2), problem.Line);
        AssertMentions(problem, "duplicate ADC id 'adc0'", $"first defined at line {LineOfNth(yaml, "- id: adc0", 1)}");
    }

    [Fact]
    public void Multiplexer_channel_without_a_multiplexer_is_reported()
    {
        string yaml = With("multiplexer: mux0, multiplexerChannel: 0", "multiplexerChannel: 0");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "multiplexerChannel: 0"), problem.Line);
        AssertMentions(problem, "ports[D01].meter.multiplexerChannel", "needs 'multiplexer: ID'");
    }

    [Fact]
    public void Mains_voltage_sensor_that_clips_below_the_mains_peak_is_reported()
    {
        string yaml = With("voltsPerAdcVolt: 268.97", "voltsPerAdcVolt: 150");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "voltsPerAdcVolt"), problem.Line);
        AssertMentions(problem, "saturates at 247.5 V peak", "342.2 V peak of 220 V mains +10 %");
    }

    [Fact]
    public void MCP3208_clocked_above_2_MHz_is_reported()
    {
        string yaml = With("    referenceV: 3.3\n", "    referenceV: 3.3\n    clockHz: 3000000\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "clockHz"), problem.Line);
        AssertMentions(problem, "adcs[adc0].clockHz", "above the MCP3208's maximum of 2000000 Hz");
    }

    [Fact]
    public void SPI3_on_the_I2C_pins_is_reported_as_pins_used_twice()
    {
        string yaml = With("spiBus: 0", "spiBus: 3");

        SiteFileLoadResult result = Load(yaml);

        Assert.Equal([LineOf(yaml, "chipSelect: 0"), LineOf(yaml, "chipSelect: 0")], result.Problems.Select(p => p.Line));
        AssertMentions(result.Problems[0], "GPIO 2 is used twice: SPI3 MOSI (used by adc0) and I2C bus 1 SDA");
        AssertMentions(result.Problems[1], "GPIO 3 is used twice: SPI3 SCLK (used by adc0) and I2C bus 1 SCL");
    }

    [Fact]
    public void Empty_file_is_reported()
    {
        ConfigurationProblem problem = SingleProblem(Load("# nothing here yet\n"));

        Assert.Equal(1, problem.Line);
        AssertMentions(problem, "the file is empty");
    }

    [Fact]
    public void Every_problem_in_a_file_is_reported_in_line_order()
    {
        string yaml = Valid
            .Replace("gateway: gw-test", "gateway: GW test", StringComparison.Ordinal)
            .Replace("frequencyHz: 50", "frequencyHz: 55", StringComparison.Ordinal)
            .Replace("relay: { gpio: 5 }", "relay: { gpio: 27 }", StringComparison.Ordinal)
            .Replace("channel: 2,", "channel: eight,", StringComparison.Ordinal)
            .Replace("address: 0x70", "adress: 0x70", StringComparison.Ordinal);

        SiteFileLoadResult result = Load(yaml);

        Assert.Equal(
            [
                LineOf(yaml, "gateway:"),
                LineOf(yaml, "frequencyHz"),
                LineOf(yaml, "adress:") - 1,
                LineOf(yaml, "adress:"),
                LineOf(yaml, "channel: eight"),
                LineOf(yaml, "smoke:"),
            ],
            result.Problems.Select(p => p.Line));
        Assert.Contains("site.gateway: 'GW test' is not valid", result.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("55 Hz is not a mains frequency", result.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("missing required key 'address'", result.Problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("unknown key 'adress' (did you mean 'address'?)", result.Problems[3].Message, StringComparison.Ordinal);
        Assert.Contains("expected a whole number, got 'eight'", result.Problems[4].Message, StringComparison.Ordinal);
        Assert.Contains("GPIO 27 is used twice: smoke detector input and relay of port P01", result.Problems[5].Message, StringComparison.Ordinal);
    }

    private static int LineOfNth(string yaml, string text, int nth)
    {
        string[] lines = yaml.Split('\n');
        var matches = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(text, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count >= nth, $"'{text}' is on {matches.Count} lines, expected at least {nth}");
        return matches[nth - 1] + 1;
    }
}
