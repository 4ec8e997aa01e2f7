using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

public sealed class RtcSiteSectionTests
{
    [Fact]
    public void A_site_without_an_rtc_section_has_no_rtc()
    {
        SiteFileLoadResult result = Load(Valid);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Null(result.Configuration!.Rtc);
    }

    [Fact]
    public void A_ds3231_is_declared_on_the_main_i2c_bus_at_its_fixed_address()
    {
        string yaml = Valid + "\nrtc:\n  chip: ds3231\n";

        SiteFileLoadResult result = Load(yaml);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        Assert.Equal(new RealTimeClockDefinition("ds3231", 0x68, LineOf(yaml, "rtc:")), result.Configuration!.Rtc);
    }

    [Theory]
    [InlineData("  chip: ds1307\n", "chip: ds1307", "'ds1307' is not allowed", "allowed: ds3231")]
    [InlineData("  chip: ds3231\n  address: 0x57\n", "address: 0x57", "0x57", "DS3231: fixed")]
    [InlineData("  chip: ds3231\n  battery: cr2032\n", "battery: cr2032", "battery", "rtc")]
    public void A_wrong_rtc_section_is_refused_with_its_file_and_line(string body, string lineText, string first, string second)
    {
        string yaml = Valid + "\nrtc:\n" + body;

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(FileName, problem.File);
        Assert.Equal(LineOf(yaml, lineText), problem.Line);
        AssertMentions(problem, first, second);
    }
}
