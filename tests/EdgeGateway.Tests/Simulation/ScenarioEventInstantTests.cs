using System.Globalization;
using EdgeGateway.CommandLine;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;

namespace EdgeGateway.Tests.Simulation;

/// <summary>Scenario events take effect at their own instants inside a round, not at the next round's start.</summary>
public sealed class ScenarioEventInstantTests
{
    private const string Charging = """
        speed: 0
        events:
          - at: "00:00:01"
            port: P20
            plug: { load: lithium, powerW: 200 }
        """;

    [Fact]
    public void A_short_on_the_last_port_of_the_demo_shed_early_in_a_round_is_seen_when_that_port_is_next_sampled_in_the_same_round()
    {
        // Where a round starts, and when P20 (measured last) is measured in it: the shed is deterministic, so a first
        // run without the short finds both.
        TimeSpan roundStart;
        DateTimeOffset p20Measured;
        using (var probe = new ShedHarness(siteFile: FirmwareConfig.DemoSite, scenarioYaml: Charging))
        {
            probe.RunFor(TimeSpan.FromSeconds(9.9));
            roundStart = probe.Now;
            probe.Round();
            p20Measured = probe.Port("P20").LastMeasuredAt!.Value;
        }

        // A short 50 ms into that round is under P20's CT when P20 is measured later in the same round. Played at the
        // next round's start instead, it would be seen a whole round later.
        TimeSpan shortAt = roundStart + TimeSpan.FromMilliseconds(50);
        string at = shortAt.ToString("c", CultureInfo.InvariantCulture);
        using var harness = new ShedHarness(siteFile: FirmwareConfig.DemoSite, scenarioYaml: Charging + $$"""

              - at: "{{at}}"
                port: P20
                unplug: true
              - at: "{{at}}"
                port: P20
                plug: { load: short_circuit, requestStart: false }
            """);
        harness.RunFor(TimeSpan.FromSeconds(9.9));
        Assert.Equal(roundStart, harness.Now);
        Assert.True(harness.RelayClosed("P20"), "P20 is charging before the short");

        harness.Round();

        Assert.True(harness.HasAlarm(AlarmKind.PortShortCircuit, "port:P20"), "the short is seen in the round it happened in");
        Alarm alarm = harness.RaisedAlarm(AlarmKind.PortShortCircuit, "port:P20");
        Assert.InRange(alarm.RaisedAt, harness.Shed.Clock.Start + shortAt, p20Measured);
    }
}
