using EdgeGateway.Configuration;
using static EdgeGateway.Tests.Configuration.SiteYaml;

namespace EdgeGateway.Tests.Configuration;

/// <summary><c>maliciousMaxShapeResidualPct</c>: a percentage in the file, a share in the configuration, range-checked.</summary>
public sealed class ShapeResidualSettingTests
{
    [Fact]
    public void The_limit_is_a_percentage_in_the_file_and_3_percent_by_default()
    {
        Assert.Equal(0.03, new PortProtectionSettings().MaliciousMaxShapeResidual);

        SiteConfiguration site = Load(Valid + "protection:\n  port:\n    maliciousMaxShapeResidualPct: 4.5\n").Configuration!;

        Assert.Equal(0.045, site.PortProtection.MaliciousMaxShapeResidual, precision: 12);
    }

    [Theory]
    [InlineData("maliciousMaxShapeResidualPct: 0.1")]
    [InlineData("maliciousMaxShapeResidualPct: 60")]
    public void Out_of_range_limit_is_reported_with_its_line(string setting)
    {
        string yaml = Valid + "protection:\n  port:\n    " + setting + "\n";

        ConfigurationProblem problem = SingleProblem(Load(yaml));

        Assert.Equal(LineOf(yaml, setting), problem.Line);
        AssertMentions(problem, "maliciousMaxShapeResidualPct", "50");
    }
}
