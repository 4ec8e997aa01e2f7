using EdgeGateway.Simulation;
using static EdgeGateway.Tests.Simulation.DemoScenario;

namespace EdgeGateway.Tests.Simulation;

/// <summary>The scenario file's <c>clock: { step }</c> and <c>supply: { cut }</c> events: read, and refused with <c>FILE:LINE: message</c>.</summary>
public sealed class ScenarioClockAndSupplyEventTests
{
    [Fact]
    public void Steps_either_way_and_a_cut_are_read_in_time_order()
    {
        ScenarioLoadResult result = Load("""
              - at: "00:02:00"
                supply: { cut: "00:05:00" }
              - at: "00:01:00.2"
                clock: { step: "-01:00:00" }
              - at: "00:01:30"
                clock: { step: "1.02:00:00" }
            """);

        Assert.Empty(result.Problems);
        ScenarioEvent[] expected =
        [
            new ClockStepEvent(TimeSpan.FromSeconds(60.2), 5, TimeSpan.FromHours(-1)),
            new ClockStepEvent(TimeSpan.FromSeconds(90), 7, TimeSpan.FromHours(26)),
            new PowerCutEvent(TimeSpan.FromMinutes(2), 3, TimeSpan.FromMinutes(5)),
        ];
        Assert.Equal(expected, result.Scenario!.Events);
    }

    [Theory]
    [InlineData("clock: { step: \"00:00:00\" }", "s.yaml:4: events[].clock.step: '00:00:00' is not a non-zero time span")]
    [InlineData("clock: { step: soon }", "s.yaml:4: events[].clock.step: 'soon' is not a non-zero time span")]
    [InlineData("clock: { by: \"01:00:00\" }", "s.yaml:4: ")]
    [InlineData("supply: { cut: \"-00:05:00\" }", "s.yaml:4: events[].supply.cut: '-00:05:00' is not a time span")]
    [InlineData("supply: { cut: \"00:00:00\" }", "s.yaml:4: events[].supply.cut: an outage lasts more than nothing")]
    [InlineData("supply: { cut: \"40.00:00:00\" }", "s.yaml:4: events[].supply.cut: an outage lasts more than nothing and at most 31 days")]
    public void A_bad_step_or_cut_is_refused_with_its_file_and_line(string action, string expected)
    {
        ScenarioLoadResult result = Load($"""
              - at: "00:01:00"
                {action}
            """);

        Assert.Null(result.Scenario);
        Assert.Contains(result.Problems, p => p.ToString().StartsWith(expected, StringComparison.Ordinal));
    }
}
