using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

/// <summary>A port metered by a BL0942 on a UART in the site file: its keys, and the mistakes an installer makes.</summary>
public sealed class Bl0942SiteFileTests
{
    private const string Bl0942Meter = "meter: { type: bl0942, serial: /dev/ttyAMA0, address: 1, shuntOhms: 0.001, voltageDivider: 3824.5, overCurrentGpio: 17 }";

    [Fact]
    public void A_bl0942_port_is_read_with_its_uart_address_scaling_and_over_current_gpio()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter);

        SiteFileLoadResult result = Load(yaml);

        Assert.Empty(result.Problems);
        Assert.Equal(new Bl0942MeterDefinition("/dev/ttyAMA0", 1, 0.001, 3824.5, 17, LineOf(yaml, "type: bl0942")), result.Configuration!.Ports[1].Meter);
        Assert.Contains("BL0942", PinMap.Document(result.Configuration, FileName), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_chips_at_one_address_of_one_uart_is_a_conflict_naming_both_ports()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 1, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("overCurrentGpio: 17", "overCurrentGpio: 16", StringComparison.Ordinal))
            .Replace("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter, StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        AssertMentions(problem, "BL0942 address 1 on /dev/ttyAMA0", "port P01", "port P02");
    }

    [Fact]
    public void An_address_beyond_the_four_straps_is_an_error_at_its_line()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("address: 1", "address: 4", StringComparison.Ordinal));

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "type: bl0942"), problem.Line);
        AssertMentions(problem, "address", "0", "3");
    }

    [Fact]
    public void A_serial_that_is_not_a_device_path_is_an_error()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("/dev/ttyAMA0", "ttyAMA0", StringComparison.Ordinal));

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        AssertMentions(problem, "'ttyAMA0' is not a serial device path");
    }

    [Fact]
    public void The_over_current_gpio_is_claimed_like_any_other_pin()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("overCurrentGpio: 17", "overCurrentGpio: 27", StringComparison.Ordinal));

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        AssertMentions(problem, "GPIO 27", "over-current output of port P02", "smoke");
    }

    [Fact]
    public void An_ac_meter_key_on_a_bl0942_says_which_keys_a_bl0942_takes()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("address: 1", "address: 1, ampsPerAdcVolt: 30", StringComparison.Ordinal));

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        AssertMentions(problem, "ampsPerAdcVolt", "not a bl0942 meter key");
    }

    [Fact]
    public void A_uart_rate_the_chip_does_not_have_is_an_error_at_its_line_naming_the_rates_it_has()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("address: 1", "address: 1,\n      baud: 9600", StringComparison.Ordinal));

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, "baud: 9600"), problem.Line);
        AssertMentions(problem, "9600", "4800, 19200, 38400");
    }

    [Fact]
    public void Two_chips_of_one_uart_at_different_rates_is_an_error_naming_the_other_port()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 1, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("overCurrentGpio: 17", "overCurrentGpio: 16, baud: 38400", StringComparison.Ordinal))
            .Replace("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("address: 1", "address: 2", StringComparison.Ordinal), StringComparison.Ordinal);

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        AssertMentions(problem, "38400", "4800", "port P01", "/dev/ttyAMA0");
    }

    [Fact]
    public void A_faster_uart_rate_is_read_and_shown_in_the_pin_map()
    {
        string yaml = With("meter: { type: ac, adc: adc0, channel: 2, ampsPerAdcVolt: 30 }", Bl0942Meter.Replace("address: 1", "address: 1, baud: 38400", StringComparison.Ordinal));

        SiteFileLoadResult result = Load(yaml);

        Assert.Empty(result.Problems);
        Assert.Equal(38400, Assert.IsType<Bl0942MeterDefinition>(result.Configuration!.Ports[1].Meter).Baud);
        Assert.Contains("38400 baud (MODE.UART_RATE_SEL", PinMap.Document(result.Configuration, FileName), StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_bl0942_demo_site_is_valid()
    {
        SiteFileLoadResult result = SiteFileLoader.Load(ShippedSite("demo-bl0942.yaml"));

        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        Assert.All(result.Configuration!.Ports, p => Assert.IsType<Bl0942MeterDefinition>(p.Meter));
    }
}
