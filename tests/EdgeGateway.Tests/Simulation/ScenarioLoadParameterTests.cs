using EdgeGateway.Configuration;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Simulation;

namespace EdgeGateway.Tests.Simulation;

/// <summary>A plug-in's load parameters and power profile: read, refused with <c>FILE:LINE: message</c>, and metered on the shed.</summary>
public sealed class ScenarioLoadParameterTests
{
    private static readonly SiteConfiguration Demo = DemoScenario.Demo;

    private static ScenarioLoadResult Load(string plug) => ScenarioLoader.LoadText("s.yaml", $"""
        speed: 0
        events:
          - at: "00:01:00"
            port: P01
            plug: {plug}
        """, Demo);

    [Fact]
    public void Every_parameter_is_read()
    {
        ScenarioLoadResult result = ScenarioLoader.LoadText("s.yaml", """
            events:
              - at: "00:01:00"
                port: P01
                plug:
                  load: pfc_charger
                  powerW: 250
                  curve: { cvAtSoc: 0.8, cvAfter: "01:00:00", taper: "00:20:00", cutoffW: 5, standbyW: 0.8 }
                  inrush: { multiple: 12, for: "00:00:00.010" }
                  harmonics:
                    - { order: 3, pct: 8, phaseDeg: 180 }
                  profile:
                    - { after: "00:10:00", powerW: 120 }
                    - { after: "00:20:00", powerW: 200, pf: 0.95, ramp: linear }
              - at: "00:01:00"
                port: P02
                plug: { load: thermostatic_heater, powerW: 150, thermostat: { on: "00:00:30", off: "00:01:30" } }
            """, Demo);

        Assert.Empty(result.Problems);
        var plug = (PlugEvent)result.Scenario!.Events[0];
        Assert.Equal(new ChargeCurve(0.8, TimeSpan.FromHours(1), TimeSpan.FromMinutes(20), null, 5, 0.8), plug.Curve);
        Assert.Equal(new Inrush(12, TimeSpan.FromMilliseconds(10)), plug.Inrush);
        Assert.Equal([new CurrentHarmonic(3, 0.08, Math.PI)], plug.Harmonics!);
        Assert.Equal([new ProfilePoint(TimeSpan.FromMinutes(10), 120, null, false), new ProfilePoint(TimeSpan.FromMinutes(20), 200, 0.95, true)], plug.Profile!);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(90)), ((PlugEvent)result.Scenario.Events[1]).Thermostat);
    }

    [Theory]
    [InlineData("{ load: heater, curve: { floatW: 3 } }", "s.yaml:5: events[].plug.curve: only for lithium, lead_acid, modified_charger, pfc_charger, not 'heater'")]
    [InlineData("{ load: lithium, curve: { knee: 0.8 } }", "s.yaml:5: events[].plug.curve: unknown key 'knee'")]
    [InlineData("{ load: lithium, curve: { cvAfter: \"-00:10:00\" } }", "s.yaml:5: events[].plug.curve.cvAfter: '-00:10:00' is not a time span")]
    [InlineData("{ load: lithium, thermostat: { on: \"00:01:00\", off: \"00:01:00\" } }", "s.yaml:5: events[].plug.thermostat: only for thermostatic_heater")]
    [InlineData("{ load: thermostatic_heater, thermostat: { on: \"00:01:00\" } }", "s.yaml:5: events[].plug.thermostat: missing required key 'off'")]
    [InlineData("{ load: lithium, inrush: { multiple: 0.5, for: \"00:00:00.01\" } }", "s.yaml:5: events[].plug.inrush.multiple: 0.5 is out of range")]
    [InlineData("{ load: lithium, inrush: { multiple: 5, for: \"00:01:00\" } }", "s.yaml:5: events[].plug.inrush.for: an inrush lasts at most 10 s")]
    [InlineData("{ load: short_circuit, inrush: { multiple: 5, for: \"00:00:01\" } }", "s.yaml:5: events[].plug.inrush: only for any load but short_circuit")]
    [InlineData("{ load: lithium, harmonics: [ { order: 1, pct: 5 } ] }", "s.yaml:5: events[].plug.harmonics[].order: 1 is out of range")]
    [InlineData("{ load: lithium, harmonics: [ { order: 3 } ] }", "s.yaml:5: events[].plug.harmonics[]: missing required key 'pct'")]
    [InlineData("{ load: lithium, powerW: -5 }", "s.yaml:5: events[].plug.powerW: -5 is out of range")]
    [InlineData("{ load: pfc_charger, pf: 1.2 }", "s.yaml:5: events[].plug.pf: 1.2 is out of range")]
    [InlineData("{ load: lithium, profile: [ { after: \"00:10:00\", pf: 0.95 } ] }", "s.yaml:5: events[].plug.profile[].pf: only for pfc_charger, induction_cooker, hair_dryer, not 'lithium'")]
    [InlineData("{ load: lithium, profile: [ { after: \"00:10:00\" } ] }", "s.yaml:5: events[].plug.profile[]: a point sets powerW, pf or both")]
    [InlineData("{ load: lithium, profile: [ { after: \"00:10:00\", powerW: 100 }, { after: \"00:05:00\", powerW: 90 } ] }", "s.yaml:5: events[].plug.profile[].after: 00:05:00 is not after the previous point's 00:10:00")]
    [InlineData("{ load: lithium, profile: [ { after: \"00:10:00\", powerW: 100, ramp: smooth } ] }", "s.yaml:5: events[].plug.profile[].ramp:")]
    public void A_bad_parameter_is_refused_with_its_file_and_line(string plug, string expected)
    {
        ScenarioLoadResult result = Load(plug);

        Assert.Null(result.Scenario);
        Assert.Contains(result.Problems, p => p.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_thermostat_cycle_and_a_power_profile_are_what_the_ports_meter()
    {
        // A 150 W heater (below the malicious-load floor) 10 s on, 10 s off; a PFC charger stepped down to 120 W at 20 s
        // after its plug-in, then ramped to 200 W by 50 s.
        using var shed = new ShedHarness(scenarioYaml: """
            events:
              - at: "00:00:01"
                port: P1
                plug: { load: thermostatic_heater, powerW: 150, thermostat: { on: "00:00:10", off: "00:00:10" } }
              - at: "00:00:01"
                port: P2
                plug:
                  load: pfc_charger
                  powerW: 250
                  profile:
                    - { after: "00:00:20", powerW: 120 }
                    - { after: "00:00:50", powerW: 200, ramp: linear }
            """);
        double Watts(string port) => shed.Port(port).PowerW ?? 0;

        shed.RunFor(TimeSpan.FromSeconds(6));
        Assert.InRange(Watts("P1"), 130, 175);
        Assert.InRange(Watts("P2"), 235, 265);
        shed.RunFor(TimeSpan.FromSeconds(10));
        Assert.InRange(Watts("P1"), -3, 3);
        shed.RunFor(TimeSpan.FromSeconds(6));
        Assert.InRange(Watts("P2"), 113, 133);
        shed.RunFor(TimeSpan.FromSeconds(4));
        Assert.InRange(Watts("P1"), 130, 175);
        shed.RunFor(TimeSpan.FromSeconds(10));
        Assert.InRange(Watts("P2"), 150, 172);
    }
}
