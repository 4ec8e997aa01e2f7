using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

/// <summary>A port metered by an HLW8032 on a UART of its own in the site file: its keys, and the mistakes an installer makes.</summary>
public sealed class Hlw8032SiteFileTests
{
    private const string AcMeter = "meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }";
    private const string Hlw8032Meter = "meter: { type: hlw8032, serial: /dev/ttyUSB3, voltageCoefficient: 1.88, currentCoefficient: 1.0 }";

    [Fact]
    public void An_hlw8032_port_is_read_with_its_uart_and_coefficients()
    {
        string yaml = With(AcMeter, Hlw8032Meter);

        SiteFileLoadResult result = Load(yaml);

        Assert.Empty(result.Problems);
        Assert.Equal(new Hlw8032MeterDefinition("/dev/ttyUSB3", 1.88, 1.0, LineOf(yaml, "type: hlw8032")), result.Configuration!.Ports[1].Meter);
        Assert.Contains("HLW8032, Kv 1.88, Ki 1", PinMap.Document(result.Configuration, FileName), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_ics_on_one_uart_is_a_conflict_naming_both_ports_at_the_seconds_line()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 1, ampsPerAdcVolt: 30 }", Hlw8032Meter).Replace(AcMeter, Hlw8032Meter, StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "id: P02") + 1, problem.Line);
        AssertMentions(problem, "serial line /dev/ttyUSB3", "port P01", "port P02", "a UART of its own");
    }

    [Fact]
    public void An_hlw8032_on_a_bl0942_bus_is_a_conflict()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 1, ampsPerAdcVolt: 30 }", "meter: { type: bl0942, serial: /dev/ttyUSB3, address: 0, shuntOhms: 0.001, voltageDivider: 3824.5 }")
            .Replace(AcMeter, Hlw8032Meter, StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        AssertMentions(problem, "serial line /dev/ttyUSB3", "BL0942", "HLW8032 of port P02");
    }

    [Fact]
    public void A_coefficient_out_of_range_is_an_error_at_its_line()
    {
        string yaml = With(AcMeter, Hlw8032Meter.Replace("currentCoefficient: 1.0", "currentCoefficient: 0", StringComparison.Ordinal));

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "type: hlw8032"), problem.Line);
        AssertMentions(problem, "currentCoefficient", "Ki");
    }

    [Fact]
    public void A_bl0942_key_on_an_hlw8032_and_a_coefficient_on_an_ac_meter_say_which_meter_takes_them()
    {
        ConfigurationProblem address = SingleProblem(Load(With(AcMeter, Hlw8032Meter.Replace("/dev/ttyUSB3,", "/dev/ttyUSB3, address: 1,", StringComparison.Ordinal))));
        ConfigurationProblem coefficient = SingleProblem(Load(With(AcMeter, AcMeter.Replace("ampsPerAdcVolt: 30", "ampsPerAdcVolt: 30, voltageCoefficient: 1.88", StringComparison.Ordinal))));

        AssertMentions(address, "'address' is not an hlw8032 meter key");
        AssertMentions(coefficient, "'voltageCoefficient' is an hlw8032 meter key, but this meter is type ac");
    }

    [Fact]
    public void The_shipped_hlw8032_demo_site_is_valid()
    {
        SiteFileLoadResult result = SiteFileLoader.Load(ShippedSite("demo-hlw8032.yaml"));

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        Assert.All(result.Configuration!.Ports, p => Assert.IsType<Hlw8032MeterDefinition>(p.Meter));
    }
}
