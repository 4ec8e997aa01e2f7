using EdgeGateway.Configuration;
using EdgeGateway.Simulation;

namespace EdgeGateway.Tests.Simulation;

/// <summary>The scenario file's <c>load:</c> values for PFC chargers and household loads, and their <c>pf</c>.</summary>
public sealed class ScenarioLoadKindsTests
{
    private static readonly SiteConfiguration Site = SiteFileLoader.LoadText("test-site.yaml", ShedHarness.SiteYaml).Configuration!;

    private static ScenarioLoadResult Load(string plug) => ScenarioLoader.LoadText("loads.yaml", $"""
        name: loads
        events:
          - at: "00:00:01"
            port: P1
            plug: {plug}
        """, Site);

    [Theory]
    [InlineData("{ load: pfc_charger, powerW: 250, pf: 0.99 }", ScenarioLoad.PfcCharger, 0.99)]
    [InlineData("{ load: induction_cooker, powerW: 1800 }", ScenarioLoad.InductionCooker, null)]
    [InlineData("{ load: hair_dryer, powerW: 1200, pf: 0.96 }", ScenarioLoad.HairDryer, 0.96)]
    [InlineData("{ load: thermostatic_heater, powerW: 300 }", ScenarioLoad.ThermostaticHeater, null)]
    [InlineData("{ load: kettle, powerW: 1500 }", ScenarioLoad.Kettle, null)]
    public void New_load_kinds_are_read_with_their_power_factor(string plug, ScenarioLoad kind, double? powerFactor)
    {
        ScenarioLoadResult result = Load(plug);

        Assert.Empty(result.Problems);
        PlugEvent e = Assert.IsType<PlugEvent>(Assert.Single(result.Scenario!.Events));
        Assert.Equal((kind, powerFactor), (e.Load, e.PowerFactor));
    }

    [Theory]
    [InlineData("{ load: heater, powerW: 600, pf: 0.99 }", "events[].plug.pf: only for pfc_charger, induction_cooker and hair_dryer, not 'heater'")]
    [InlineData("{ load: pfc_charger, pf: 0.8 }", "pf")]
    [InlineData("{ load: boiler }", "pfc_charger")]
    public void Bad_loads_are_reported_at_their_line(string plug, string says)
    {
        ScenarioLoadResult result = Load(plug);

        Assert.Null(result.Scenario);
        ConfigurationProblem problem = Assert.Single(result.Problems);
        Assert.Equal(("loads.yaml", 5), (problem.File, problem.Line));
        Assert.Contains(says, problem.Message, StringComparison.Ordinal);
    }
}
