using EdgeGateway.Configuration;
using EdgeGateway.Tests.Simulation;

namespace EdgeGateway.Tests.Configuration;

public sealed class WiringComparerTests
{
    private static SiteConfiguration Load(string yaml)
    {
        SiteFileLoadResult result = SiteFileLoader.LoadText("site.yaml", yaml);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        return result.Configuration!;
    }

    [Fact]
    public void The_same_file_has_no_wiring_difference() =>
        Assert.Null(WiringComparer.FirstDifference(Load(ShedHarness.SiteYaml), Load(ShedHarness.SiteYaml)));

    [Fact]
    public void Comments_that_move_lines_and_changed_thresholds_are_not_wiring()
    {
        string changed = "# a comment that moves every line\n" + ShedHarness.SiteYaml
            .Replace("maxPowerW: 2000", "maxPowerW: 2500", StringComparison.Ordinal)
            .Replace("protection: { shortCircuitPeakA: 20 }", "protection: { shortCircuitPeakA: 18, maxPowerW: 400 }", StringComparison.Ordinal);

        Assert.Null(WiringComparer.FirstDifference(Load(ShedHarness.SiteYaml), Load(changed)));
    }

    [Fact]
    public void A_moved_relay_pin_is_wiring_and_says_where()
    {
        string changed = ShedHarness.SiteYaml.Replace("relay: { gpio: 6 }", "relay: { gpio: 19 }", StringComparison.Ordinal);

        string? difference = WiringComparer.FirstDifference(Load(ShedHarness.SiteYaml), Load(changed));

        Assert.Equal("site.Ports[1].Relay.Gpio", difference);
    }

    [Fact]
    public void A_changed_sampling_period_needs_a_restart()
    {
        string changed = ShedHarness.SiteYaml.Replace("roundPeriodMs: 500", "roundPeriodMs: 800", StringComparison.Ordinal);

        Assert.Equal("site.Sampling.RoundPeriod", WiringComparer.FirstDifference(Load(ShedHarness.SiteYaml), Load(changed)));
    }
}
