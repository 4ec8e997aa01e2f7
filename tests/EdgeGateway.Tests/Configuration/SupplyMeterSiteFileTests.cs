using System.IO.Ports;
using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

/// <summary>The shed's supply meter in the site file (<c>supplyMeter:</c>): its keys, defaults, and an installer's mistakes.</summary>
public sealed class SupplyMeterSiteFileTests
{
    private static string WithMeter(string section) => Valid + section;

    [Fact]
    public void A_supply_meter_takes_its_maps_factory_line_settings_unless_given()
    {
        string yaml = WithMeter("""
            supplyMeter:
              serial: /dev/ttyUSB0
              map: sdm120
              unit: 7
              unmeteredToleranceW: 80
              unmeteredDebounceSeconds: 45

            """);

        SiteFileLoadResult result = Load(yaml);

        Assert.Empty(result.Problems);
        SupplyMeterDefinition meter = result.Configuration!.SupplyMeter!;
        Assert.Equal(("/dev/ttyUSB0", 2400, Parity.None, 7, "sdm120"), (meter.Serial, meter.BaudRate, meter.Parity, meter.Unit, meter.Map));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500), 2), (meter.PollPeriod, meter.ResponseTimeout, meter.Retries));
        Assert.Equal(LineOf(yaml, "supplyMeter:"), meter.Line);
        SupplyRuleSettings rules = result.Configuration.ShedProtection.Supply!;
        Assert.Equal((80d, 5d, TimeSpan.FromSeconds(45), true), (rules.UnmeteredToleranceW, rules.UnmeteredTolerancePercent, rules.UnmeteredDebounce, rules.ShedOverloadOnSupply));
    }

    [Fact]
    public void A_site_without_a_supply_meter_has_no_supply_rules()
    {
        SiteFileLoadResult result = Load(Valid);

        Assert.Null(result.Configuration!.SupplyMeter);
        Assert.Null(result.Configuration.ShedProtection.Supply);
    }

    [Theory]
    [InlineData("serial: /dev/ttyUSB0", "map: sdm12", "map", "'sdm12' is not allowed", "did you mean 'sdm120'")]
    [InlineData("serial: ttyUSB0", "map: ddsu666", "serial", "'ttyUSB0' is not a serial device path")]
    [InlineData("serial: /dev/ttyUSB0", "unit: 248", "unit", "247")]
    [InlineData("serial: /dev/ttyUSB0", "baud: 9601", "baud", "9601 is not a meter line speed")]
    [InlineData("serial: /dev/ttyUSB0", "parity: mark", "parity", "'mark' is not allowed")]
    [InlineData("serial: /dev/ttyUSB0", "responseTimeoutMs: 800", "responseTimeoutMs", "does not fit in pollPeriodMs")]
    [InlineData("serial: /dev/ttyUSB0", "flowControl: none", "flowControl", "flowControl")]
    public void A_mistake_is_an_error_at_its_line(string serial, string setting, string key, params string[] words)
    {
        string map = setting.StartsWith("map:", StringComparison.Ordinal) ? "" : "  map: ddsu666\n";
        string yaml = WithMeter("supplyMeter:\n  " + serial + "\n" + map + "  pollPeriodMs: 2000\n  " + setting + "\n");

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, key + ":"), problem.Line);
        AssertMentions(problem, words);
    }

    [Fact]
    public void A_missing_map_is_an_error_at_the_section()
    {
        ConfigurationProblem problem = SingleProblem(Load(WithMeter("supplyMeter: { serial: /dev/ttyUSB0 }\n")));

        Assert.Equal(LineOf(Valid + "supplyMeter: { serial: /dev/ttyUSB0 }\n", "supplyMeter:"), problem.Line);
        AssertMentions(problem, "supplyMeter", "missing required key 'map'");
    }

    [Fact]
    public void The_supply_meter_cannot_share_a_bl0942_uart()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", "meter: { type: bl0942, serial: /dev/ttyAMA0, address: 1, shuntOhms: 0.001, voltageDivider: 3824.5 }")
            + "supplyMeter: { serial: /dev/ttyAMA0, map: ddsu666 }\n";

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "supplyMeter:"), problem.Line);
        AssertMentions(problem, "/dev/ttyAMA0 is the BL0942 UART", "port P02", "its own RS-485 line");
    }

    [Fact]
    public void The_shipped_supply_meter_demo_site_is_valid()
    {
        SiteFileLoadResult result = SiteFileLoader.Load(ShippedSite("demo-supply-meter.yaml"));

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        Assert.NotNull(result.Configuration!.SupplyMeter);
    }
}
