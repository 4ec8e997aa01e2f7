using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;
using EdgeGateway.Simulation;
using static EdgeGateway.Tests.Simulation.DemoScenario;

namespace EdgeGateway.Tests.Simulation;

/// <summary>A scenario's operator commands and supply events (sag, lost VT): read, refused with <c>FILE:LINE: message</c>, and played on the shed.</summary>
public sealed class ScenarioCommandAndSupplyTests
{
    [Fact]
    public void Commands_sags_and_a_lost_vt_are_read()
    {
        ScenarioLoadResult result = Load("""
              - at: "00:01:00"
                command: { kind: reset, port: P03, operator: wang, reason: breaker checked }
              - at: "00:01:01"
                port: P04
                command: { kind: disable }
              - at: "00:02:00"
                supply: { voltage: 180, for: "00:00:05" }
              - at: "00:03:00"
                supply: { vt: lost }
              - at: "00:04:00"
                supply: { vt: restored }
            """);

        Assert.Empty(result.Problems);
        ScenarioEvent[] expected =
        [
            new OperatorCommandEvent(TimeSpan.FromMinutes(1), 3, "P03", PortCommandKind.Reset, "wang", "breaker checked"),
            new OperatorCommandEvent(TimeSpan.FromSeconds(61), 5, "P04", PortCommandKind.Disable, "operator", null),
            new SupplySagEvent(TimeSpan.FromMinutes(2), 8, 180, TimeSpan.FromSeconds(5)),
            new VoltageTransformerEvent(TimeSpan.FromMinutes(3), 10, true),
            new VoltageTransformerEvent(TimeSpan.FromMinutes(4), 12, false),
        ];
        Assert.Equal(expected, result.Scenario!.Events);
    }

    [Theory]
    [InlineData("command: { kind: reset, port: P03 }", "s.yaml:4: events[].command.reason: a reset needs a reason")]
    [InlineData("command: { kind: enable }", "s.yaml:4: events[].command: missing required key 'port'")]
    [InlineData("command: { kind: enable, port: P99 }", "s.yaml:4: events[].command.port: no port 'P99' in site file")]
    [InlineData("command: { kind: reboot, port: P03 }", "s.yaml:4: events[].command.kind:")]
    [InlineData("command: { kind: stop, port: P03, who: me }", "s.yaml:4: events[].command")]
    [InlineData("supply: { voltage: 20, for: \"00:00:05\" }", "s.yaml:4: events[].supply.voltage: 20 is out of range")]
    [InlineData("supply: { voltage: 180 }", "s.yaml:4: events[].supply: missing required key 'for'")]
    [InlineData("supply: { voltage: 180, for: soon }", "s.yaml:4: events[].supply.for: 'soon' is not a time span")]
    [InlineData("supply: { vt: broken }", "s.yaml:4: events[].supply.vt:")]
    [InlineData("supply: { cut: \"00:05:00\", vt: lost }", "s.yaml:4: events[].supply: needs exactly one of cut, voltage (with for), vt, unmeteredW, meter; found cut, vt")]
    [InlineData("supply: { cut: \"00:05:00\", for: \"00:00:05\" }", "s.yaml:4: events[].supply.for: only with voltage")]
    [InlineData("supply: { unmeteredW: 300 }", "s.yaml:4: events[].supply.unmeteredW: site file")]
    [InlineData("supply: { meter: silent }", "s.yaml:4: events[].supply.meter: site file")]
    public void A_bad_command_or_supply_event_is_refused_with_its_file_and_line(string action, string expected)
    {
        ScenarioLoadResult result = Load($"""
              - at: "00:01:00"
                {action}
            """);

        Assert.Null(result.Scenario);
        Assert.Contains(result.Problems, p => p.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void An_operator_reset_from_the_scenario_reaches_protection_and_clears_a_short_circuit_lockout()
    {
        using var shed = new ShedHarness(scenarioYaml: """
            events:
              - at: "00:00:01"
                port: P1
                plug: { load: short_circuit }
              - at: "00:00:03"
                port: P1
                unplug: true
              - at: "00:00:04"
                command: { kind: reset, port: P1, operator: wang, reason: flex replaced }
              - at: "00:00:06"
                command: { kind: disable, port: P2, operator: li }
            """);

        shed.RunFor(TimeSpan.FromSeconds(3.5));
        Assert.Equal("port_short_circuit", shed.Port("P1").Lockout);

        shed.RunFor(TimeSpan.FromSeconds(3.5));

        CommandHandled reset = Assert.Single(shed.EventsOf<CommandHandled>(), c => c.Command.Kind == PortCommandKind.Reset);
        Assert.Equal(("P1", "wang", "flex replaced", true), (reset.Command.PortId, reset.Command.By, reset.Command.Reason, reset.Result.Accepted));
        Assert.Null(shed.Port("P1").Lockout);
        CommandHandled disable = Assert.Single(shed.EventsOf<CommandHandled>(), c => c.Command.Kind == PortCommandKind.Disable);
        Assert.Equal(("P2", "li", true), (disable.Command.PortId, disable.Command.By, disable.Result.Accepted));
        Assert.Equal(Contracts.Ports.PortState.Disabled, shed.Port("P2").State);
        Assert.True(shed.HasAlarm(AlarmKind.PortShortCircuit, "port:P1"));
    }

    [Fact]
    public void A_sag_is_metered_for_its_duration_and_a_lost_vt_is_a_sensor_fault_until_restored()
    {
        using var shed = new ShedHarness(scenarioYaml: """
            events:
              - at: "00:00:01"
                port: P1
                plug: { load: lithium, powerW: 200 }
              - at: "00:00:05"
                supply: { voltage: 180, for: "00:00:05" }
              - at: "00:00:20"
                supply: { vt: lost }
              - at: "00:00:25"
                supply: { vt: restored }
            """);

        double Volts() => shed.Port("P1").VoltageV ?? 0;
        shed.RunFor(TimeSpan.FromSeconds(4));
        Assert.InRange(Volts(), 215, 235);
        shed.RunFor(TimeSpan.FromSeconds(3));
        Assert.InRange(Volts(), 172, 185);
        shed.RunFor(TimeSpan.FromSeconds(5));
        Assert.InRange(Volts(), 215, 235);
        Assert.False(shed.HasAlarm(AlarmKind.ShedSensorFault, "vt"));
        shed.RunFor(TimeSpan.FromSeconds(10));
        Assert.True(shed.HasAlarm(AlarmKind.ShedSensorFault, "vt"), "a lost VT is a shed sensor fault");
        Assert.DoesNotContain(shed.EventsOf<AlarmCleared>(), c => c.Alarm.Kind == AlarmKind.ShedSensorFault);
        shed.RunFor(TimeSpan.FromSeconds(15));
        Assert.InRange(Volts(), 215, 235);
        Assert.Contains(shed.EventsOf<AlarmCleared>(), c => c.Alarm.Kind == AlarmKind.ShedSensorFault);
    }
}
