using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using UnitsNet;

namespace EdgeGateway.Tests.Protection;

public sealed class OverloadAndShortCircuitTests
{
    private static readonly TimeSpan Ms100 = TimeSpan.FromMilliseconds(100);

    /// <summary>p1 charging at 1200 W (limit 1000 W, debounce 500 ms) from T0; p2 and p3 charging at 300 W.</summary>
    private static ShedHarness ThreePortsCharging()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Start(1);
        h.Start(2);
        h.Draw(1, 300);
        h.Draw(2, 300);
        return h;
    }

    [Fact]
    public void Power_above_the_limit_for_less_than_the_debounce_does_not_trip()
    {
        ShedHarness h = ThreePortsCharging();
        long mark = h.Mark();

        h.Draw(0, 1200);
        h.Advance(TimeSpan.FromMilliseconds(250));
        h.Draw(0, 1500);
        h.Advance(TimeSpan.FromMilliseconds(249));
        h.Draw(0, 1200);

        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Empty(h.Events.After<AlarmRaised>(mark));
        Assert.Empty(h.Events.After<SessionClosed>(mark));
        Assert.Equal(PortState.Charging, h.State(0));
        Assert.True(h.Relays.IsClosed(0));
    }

    [Fact]
    public void Power_exactly_at_the_limit_never_trips()
    {
        ShedHarness h = ThreePortsCharging();

        h.DrawFor(0, 1000, TimeSpan.FromMinutes(2), Ms100);

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortOverload));
    }

    [Fact]
    public void Dip_to_the_limit_restarts_the_overload_debounce()
    {
        ShedHarness h = ThreePortsCharging();

        h.Draw(0, 1200);            // T0: over
        h.Advance(TimeSpan.FromMilliseconds(300));
        h.Draw(0, 1000);            // T0+300: back at the limit, debounce forgotten
        h.Advance(Ms100);
        h.Draw(0, 1200);            // T0+400: over again, debounce restarts here
        h.Advance(TimeSpan.FromMilliseconds(400));
        h.Draw(0, 1200);            // T0+800: only 400 ms over
        Assert.Equal(PortState.Charging, h.State(0));

        h.Advance(Ms100);
        h.Draw(0, 1200);            // T0+900: 500 ms over

        Assert.Equal(PortState.Disabled, h.State(0));
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromMilliseconds(900), Assert.Single(h.Events.Raised(AlarmKind.PortOverload)).RaisedAt);
    }

    [Fact]
    public void Overload_opens_the_relay_on_the_first_measurement_after_the_debounce_and_locks_the_port()
    {
        ShedHarness h = ThreePortsCharging();
        h.Draw(0, 1200);
        h.Advance(TimeSpan.FromMilliseconds(499));
        h.Draw(0, 1200);
        Assert.True(h.Relays.IsClosed(0));
        h.Advance(TimeSpan.FromMilliseconds(1));
        long mark = h.Mark();

        h.Draw(0, 1250);

        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false, true), (open.Port, open.Closed, open.Succeeded));
        Assert.False(h.Relays.IsClosed(0));
        Assert.True(h.Relays.IsClosed(1), "other ports keep charging");
        Assert.True(h.Relays.IsClosed(2), "other ports keep charging");

        SessionClosed closed = Assert.Single(h.Events.After<SessionClosed>(mark));
        Assert.Equal(("p1", SessionEndReason.Overload, 1250d), (closed.Session.PortId, closed.Session.EndReason, closed.Session.PeakPowerW));
        PortStateChanged state = Assert.Single(h.Events.After<PortStateChanged>(mark));
        Assert.Equal((PortState.Charging, PortState.Disabled, "locked out: port_overload"), (state.From, state.To, state.Reason));
        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Alarm alarm = raised.Alarm;
        Assert.Equal((AlarmKind.PortOverload, AlarmSeverity.Major, "port:p1", 1250d, 1000d, "W"), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Value, alarm.Threshold, alarm.Unit));

        // The state change carries the reading the cut was decided on (so a short overload reaches the telemetry),
        // with the relay already open; the periodic picture shows no power through the open relay.
        Assert.Equal((false, 1250d, "port_overload"), (state.Port.RelayClosed, state.Port.PowerW, state.Port.Lockout));

        // The relay opens before anything is reported about it.
        Assert.True(open.Sequence < h.Events.SequenceOf(closed));
        Assert.True(h.Events.SequenceOf(closed) < h.Events.SequenceOf(raised));

        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Disabled, false, "port_overload"), (port.State, port.RelayClosed, port.Lockout));
        Assert.Equal(0d, port.PowerW);
        Assert.Equal(PortState.Charging, h.State(1));
        Assert.Equal(PortState.Charging, h.State(2));
    }

    [Fact]
    public void Overload_alarm_is_latched_the_port_refuses_start_and_enable_and_reset_needs_a_reason()
    {
        ShedHarness h = ThreePortsCharging();
        h.Draw(0, 1200);
        h.Advance(TimeSpan.FromMilliseconds(500));
        h.Draw(0, 1200);
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.PortOverload));

        // Time passes with nothing drawn: a latched alarm does not clear by itself.
        h.DrawFor(0, 0, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1));
        Assert.Equal(alarm, h.PortAlarm(0, AlarmKind.PortOverload));

        Assert.Equal(new CommandResult(false, "locked out by port_overload: needs port_reset"), h.Send(PortCommandKind.Start, 0));
        Assert.Equal(new CommandResult(false, "locked out by port_overload: only port_reset brings it back"), h.Send(PortCommandKind.Enable, 0));
        Assert.Equal(new CommandResult(false, "port_reset needs a reason"), h.Send(PortCommandKind.Reset, 0));
        Assert.Equal(new CommandResult(false, "port_reset needs a reason"), h.Send(PortCommandKind.Reset, 0, reason: " "));

        Assert.Equal(PortState.Disabled, h.State(0));
        Assert.Empty(h.Events.Cleared(AlarmKind.PortOverload));
        Assert.False(h.Relays.IsClosed(0));
    }

    [Fact]
    public void Reset_with_a_reason_clears_the_overload_alarm_returns_the_port_to_Idle_and_a_start_then_works()
    {
        ShedHarness h = ThreePortsCharging();
        h.Draw(0, 1200);
        h.Advance(TimeSpan.FromMilliseconds(500));
        h.Draw(0, 1200);
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.PortOverload));
        long mark = h.Mark();

        CommandResult reset = h.Send(PortCommandKind.Reset, 0, "operator:li", "heater removed");

        Assert.Equal(new CommandResult(true, "reset"), reset);
        AlarmCleared cleared = Assert.Single(h.Events.After<AlarmCleared>(mark));
        Assert.Equal(alarm.Id, cleared.Alarm.Id);
        Assert.Equal("reset by operator:li: heater removed", cleared.Reason);
        PortStateChanged state = Assert.Single(h.Events.After<PortStateChanged>(mark));
        Assert.Equal((PortState.Disabled, PortState.Idle), (state.From, state.To));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Idle, (string?)null), (port.State, port.Lockout));
        Assert.Null(h.PortAlarm(0, AlarmKind.PortOverload));

        h.Start(0);
        Assert.True(h.Relays.IsClosed(0));
        Assert.Equal(PortState.Charging, h.State(0));
    }

    [Fact]
    public void Short_circuit_opens_the_relay_on_that_reading_and_raises_a_critical_alarm_with_value_and_threshold()
    {
        ShedHarness h = ThreePortsCharging();
        h.Draw(0, 300);
        h.Advance(Ms100);
        long mark = h.Mark();

        h.Measure(0, MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(87.5)));

        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false), (open.Port, open.Closed));
        Assert.True(h.Relays.IsClosed(1));
        Assert.True(h.Relays.IsClosed(2));
        SessionClosed closed = Assert.Single(h.Events.After<SessionClosed>(mark));
        Assert.Equal(SessionEndReason.ShortCircuit, closed.Session.EndReason);
        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Alarm alarm = raised.Alarm;
        Assert.Equal((AlarmKind.PortShortCircuit, AlarmSeverity.Critical, "port:p1", 87.5, 40d, "A"), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Value, alarm.Threshold, alarm.Unit));
        Assert.True(open.Sequence < h.Events.SequenceOf(closed));
        Assert.True(h.Events.SequenceOf(closed) < h.Events.SequenceOf(raised));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Disabled, "port_short_circuit"), (port.State, port.Lockout));
        Assert.Equal(new CommandResult(false, "locked out by port_short_circuit: needs port_reset"), h.Send(PortCommandKind.Start, 0));
    }

    [Fact]
    public void Short_circuit_threshold_is_the_port_setting_while_the_relay_is_closed_and_infinite_while_open_so_the_meter_measures_the_whole_cycle()
    {
        var h = new ShedHarness(port: new PortProtectionSettings { ShortCircuitPeakA = 25 });

        Assert.Equal(double.PositiveInfinity, h.Protection.ShortCircuitPeakAmps(0));
        h.Start(0);
        Assert.Equal(25, h.Protection.ShortCircuitPeakAmps(0));
        Assert.Equal(double.PositiveInfinity, h.Protection.ShortCircuitPeakAmps(1));

        h.Measure(0, MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(30)));

        Assert.Equal(double.PositiveInfinity, h.Protection.ShortCircuitPeakAmps(0));
    }

    [Fact]
    public void Short_circuit_threshold_stays_armed_while_a_failed_relay_open_is_pending()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Relays.FailingPorts.Add(0);

        h.Send(PortCommandKind.Stop, 0);

        Assert.Equal(40, h.Protection.ShortCircuitPeakAmps(0));
        h.Relays.FailingPorts.Clear();
        h.Draw(0, 0);
        Assert.Equal(double.PositiveInfinity, h.Protection.ShortCircuitPeakAmps(0));
    }

    [Fact]
    public void Short_circuit_reading_through_a_relay_commanded_open_is_a_welded_relay_fault()
    {
        var h = new ShedHarness();
        long mark = h.Mark();

        h.Measure(1, MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(60)));

        Alarm alarm = Assert.Single(h.Events.After<AlarmRaised>(mark)).Alarm;
        Assert.Equal((AlarmKind.RelayFault, AlarmSeverity.Critical, "port:p2", 60d), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Value));
        Assert.Empty(h.Events.Raised(AlarmKind.PortShortCircuit));
        Assert.Equal((1, false), (h.Relays.WritesAfter(mark)[0].Port, h.Relays.WritesAfter(mark)[0].Closed));
        Assert.Equal(PortState.Fault, h.State(1));
    }

    // A BL0942's power comes from its 400 ms WATT refresh; its fast RMS current is read between packets. 1000 W over
    // 230 V is 4.35 A: the current past which the port's apparent power is past its limit.
    private static readonly TimeSpan PowerLag = TimeSpan.FromMilliseconds(468);

    [Fact]
    public void Fast_current_past_the_limits_equivalent_starts_the_debounce_and_fresh_power_above_the_limit_trips_when_it_runs_out()
    {
        ShedHarness h = ThreePortsCharging();
        h.Draw(0, 200);

        h.Protection.OnFastCurrent(0, 6.8, PowerLag);   // T0: a kettle's current
        h.Advance(TimeSpan.FromMilliseconds(100));
        h.Draw(0, 200);                                 // T0+100: WATT from before the kettle: does not end the debounce
        h.Advance(TimeSpan.FromMilliseconds(399));
        h.Draw(0, 1500);                                // T0+499: fresh, above, but the debounce has not run out
        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Equal(-1, h.Protection.OverloadDecisionDue());
        Assert.Equal(0, h.Protection.OverloadDecisionDue(_ => TimeSpan.FromMilliseconds(51)));

        h.Advance(TimeSpan.FromMilliseconds(1));
        h.Draw(0, 1500);                                // T0+500: decided, timed from the current's crossing

        Assert.Equal(PortState.Disabled, h.State(0));
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromMilliseconds(500), Assert.Single(h.Events.Raised(AlarmKind.PortOverload)).RaisedAt);
    }

    [Fact]
    public void Current_past_the_limits_equivalent_at_a_power_factor_under_one_does_not_trip()
    {
        ShedHarness h = ThreePortsCharging();

        // A charger without PFC at 900 W and PF 0.64: 6.1 A, past 4.35 A, yet under the 1000 W limit.
        for (int k = 0; k < 30; k++)
        {
            h.Protection.OnFastCurrent(0, 6.1, PowerLag);
            h.Advance(TimeSpan.FromMilliseconds(50));
            h.Protection.OnFastCurrent(0, 6.1, PowerLag);
            h.Advance(TimeSpan.FromMilliseconds(50));
            h.Draw(0, 900, powerFactor: 0.64);
        }

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortOverload));
        Assert.Equal(-1, h.Protection.OverloadDecisionDue(_ => TimeSpan.FromMilliseconds(51)));

        // Refuted by power: the current starts nothing until it has been back under; the power still trips on its own.
        h.DrawFor(0, 1200, TimeSpan.FromMilliseconds(600), TimeSpan.FromMilliseconds(100), powerFactor: 0.64);
        Assert.Equal(PortState.Disabled, h.State(0));
    }

    [Fact]
    public void An_inrush_of_fast_current_that_falls_back_ends_the_debounce_it_started()
    {
        ShedHarness h = ThreePortsCharging();
        h.Draw(0, 300);

        h.Protection.OnFastCurrent(0, 20, PowerLag);    // a charger's bulk capacitor charging
        h.Advance(TimeSpan.FromMilliseconds(50));
        h.Protection.OnFastCurrent(0, 1.5, PowerLag);   // back to its running current: real power ≤ V·I is under the limit
        h.Advance(TimeSpan.FromMilliseconds(500));
        h.Draw(0, 1200);                                // a later rise starts a debounce of its own, from here

        Assert.Equal(PortState.Charging, h.State(0));
        h.Advance(TimeSpan.FromMilliseconds(499));
        h.Draw(0, 1200);
        Assert.Equal(PortState.Charging, h.State(0));
    }
}
