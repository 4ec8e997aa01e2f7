using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

public sealed class PortFaultTests
{
    private const string SpiTimeout = "adc1 ch0: spi timeout";

    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>p1 and p2 charging at 300 W, measured every second from T0+1 s for 10 s.</summary>
    private static ShedHarness TwoCharging()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Start(1);
        for (int i = 0; i < 10; i++)
        {
            h.Advance(Second);
            h.Draw(0, 300);
            h.Draw(1, 300);
        }

        return h;
    }

    [Fact]
    public void Fewer_failed_readings_than_SensorFaultReads_do_not_fault_the_port()
    {
        ShedHarness h = TwoCharging();
        long mark = h.Mark();

        h.Advance(Second);
        h.Measure(0, MeterReading.Failed(SpiTimeout));
        h.Advance(Second);
        h.Measure(0, MeterReading.Failed(SpiTimeout));
        h.Advance(Second);
        h.Draw(0, 300);                                 // a good read resets the count
        h.Advance(Second);
        h.Measure(0, MeterReading.Failed(SpiTimeout));
        h.Advance(Second);
        h.Measure(0, MeterReading.Failed(SpiTimeout));
        h.Advance(Second);
        h.Draw(0, 300);

        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Empty(h.Events.After<GatewayEvent>(mark));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Charging, true, (string?)null), (port.State, port.RelayClosed, port.Fault));
    }

    [Fact]
    public void SensorFaultReads_consecutive_failed_readings_fault_the_port_open_its_relay_and_raise_port_sensor_fault()
    {
        ShedHarness h = TwoCharging();
        h.Measure(0, MeterReading.Failed(SpiTimeout));
        h.Advance(Second);
        h.Draw(1, 300);
        h.Measure(0, MeterReading.Failed(SpiTimeout));
        h.Advance(Second);
        h.Draw(1, 300);
        Assert.Equal(PortState.Charging, h.State(0));
        long mark = h.Mark();

        h.Measure(0, MeterReading.Failed(SpiTimeout));

        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false), (open.Port, open.Closed));
        SessionClosed closed = Assert.Single(h.Events.After<SessionClosed>(mark));
        Assert.Equal(("p1", SessionEndReason.SensorFault), (closed.Session.PortId, closed.Session.EndReason));
        PortStateChanged state = Assert.Single(h.Events.After<PortStateChanged>(mark));
        Assert.Equal((PortState.Charging, PortState.Fault, SpiTimeout), (state.From, state.To, state.Reason));
        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Assert.Equal((AlarmKind.PortSensorFault, AlarmSeverity.Major, "port:p1", SpiTimeout), (raised.Alarm.Kind, raised.Alarm.Severity, raised.Alarm.Source, raised.Alarm.Detail));
        Assert.True(open.Sequence < h.Events.SequenceOf(closed));
        Assert.True(h.Events.SequenceOf(closed) < h.Events.SequenceOf(raised));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Fault, false, SpiTimeout), (port.State, port.RelayClosed, port.Fault));

        // The other port keeps charging and metering.
        h.Advance(Second);
        h.Draw(1, 300);
        h.Measure(0, MeterReading.Failed(SpiTimeout));
        Assert.True(h.Relays.IsClosed(1));
        Assert.Equal(PortState.Charging, h.State(1));
        Assert.Equal(300 * 13 / 3600.0, h.Port(1).SessionEnergyWh, 9);
        Assert.Single(h.Events.Raised(AlarmKind.PortSensorFault));
    }

    [Fact]
    public void Sensor_fault_clears_after_AlarmClearAfter_of_good_readings_and_the_port_returns_to_Idle()
    {
        ShedHarness h = TwoCharging();
        for (int i = 0; i < 3; i++)
        {
            h.Measure(0, MeterReading.Failed(SpiTimeout));
        }

        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.PortSensorFault));

        // Good for 5 s, one more failure, then good again: the clear time restarts.
        for (int i = 0; i < 5; i++)
        {
            h.Advance(Second);
            h.Draw(0, 0);
        }

        h.Advance(Second);
        h.Measure(0, MeterReading.Failed(SpiTimeout));
        h.Advance(Second);
        h.Draw(0, 0);
        DateTimeOffset goodSince = h.Now;
        for (int i = 0; i < 9; i++)
        {
            h.Advance(Second);
            h.Draw(0, 0);
        }

        Assert.Equal(PortState.Fault, h.State(0));
        Assert.Empty(h.Events.Cleared(AlarmKind.PortSensorFault));
        Assert.Equal(new CommandResult(false, "port in fault: " + SpiTimeout), h.Send(PortCommandKind.Start, 0));
        Assert.Equal(ReasonCatalogue.MeterFault(SpiTimeout), h.Port(0).FaultCode);
        long mark = h.Mark();
        h.Advance(Second);
        h.Draw(0, 0);

        AlarmCleared cleared = Assert.Single(h.Events.After<AlarmCleared>(mark));
        Assert.Equal((alarm.Id, goodSince + TimeSpan.FromSeconds(10), "meter reads again"), (cleared.Alarm.Id, cleared.At, cleared.Reason));
        Assert.Equal(ReasonCatalogue.MeterReadsAgain(), cleared.Code);
        PortStateChanged state = Assert.Single(h.Events.After<PortStateChanged>(mark));
        Assert.Equal((PortState.Fault, PortState.Idle), (state.From, state.To));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Idle, (string?)null, (ContractReason?)null), (port.State, port.Fault, port.FaultCode));
        h.Start(0);
    }

    [Fact]
    public void Sensor_fault_on_a_port_disabled_by_an_operator_keeps_it_Disabled_and_enable_then_leads_to_Fault()
    {
        var h = new ShedHarness();
        h.Send(PortCommandKind.Disable, 0);
        for (int i = 0; i < 3; i++)
        {
            h.Measure(0, MeterReading.Failed(SpiTimeout));
        }

        Assert.NotNull(h.PortAlarm(0, AlarmKind.PortSensorFault));
        Assert.Equal(PortState.Disabled, h.State(0));
        Assert.Equal(new CommandResult(true, "enabled"), h.Send(PortCommandKind.Enable, 0));
        Assert.Equal(PortState.Fault, h.State(0));
    }

    [Fact]
    public void StuckReadings_identical_non_zero_readings_fault_the_port_when_one_failed_read_is_enough()
    {
        using var culture = new InvariantCultureScope();
        var h = new ShedHarness(port: new PortProtectionSettings { StuckReadings = 5, SensorFaultReads = 1 });
        h.Start(0);
        var frozen = MeterReading.Ok(Meter.Ac(300));
        for (int i = 0; i < 4; i++)
        {
            h.Advance(Second);
            h.Measure(0, frozen);
        }

        Assert.Equal(PortState.Charging, h.State(0));
        long mark = h.Mark();
        h.Advance(Second);
        h.Measure(0, frozen);

        Assert.Equal((0, false), (Assert.Single(h.Relays.WritesAfter(mark)).Port, h.Relays.IsClosed(0)));
        Assert.Equal(SessionEndReason.SensorFault, Assert.Single(h.Sessions(0)).EndReason);
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.PortSensorFault));
        Assert.Equal("meter stuck: 5 identical readings (230.00 V, 2.174 A)", alarm.Detail);
        Assert.Equal(PortState.Fault, h.State(0));
    }

    [Fact]
    public void StuckReadings_identical_readings_fault_the_port_on_the_last_of_them_without_waiting_for_more_failed_reads()
    {
        var h = new ShedHarness(port: new PortProtectionSettings { StuckReadings = 5, SensorFaultReads = 3 });
        h.Start(0);
        var frozen = MeterReading.Ok(Meter.Ac(300));
        for (int i = 0; i < 4; i++)
        {
            h.Advance(Second);
            h.Measure(0, frozen);
        }

        Assert.Equal(PortState.Charging, h.State(0));
        h.Advance(Second);
        h.Measure(0, frozen);

        Assert.Equal(PortState.Fault, h.State(0));
        Assert.False(h.Relays.IsClosed(0));
        Assert.Single(h.Events.Raised(AlarmKind.PortSensorFault));
    }

    [Fact]
    public void Identical_zero_current_readings_of_an_idle_port_are_never_taken_for_a_stuck_meter()
    {
        var h = new ShedHarness(port: new PortProtectionSettings { StuckReadings = 5, SensorFaultReads = 1 });
        var idle = MeterReading.Ok(Meter.Ac(0));
        for (int i = 0; i < 100; i++)
        {
            h.Advance(Second);
            h.Measure(0, idle);
        }

        Assert.Equal(PortState.Idle, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortSensorFault));
    }

    [Theory]
    [InlineData(-25, 0.6, 230, "negative power -25 W (current transformer reversed?)")]
    [InlineData(300, 0.6, 20, "impossible mains voltage 20 V")]
    [InlineData(300, 0.6, 320, "impossible mains voltage 320 V")]
    [InlineData(300, 1.05, 230, "impossible power factor")]
    public void Impossible_readings_take_the_sensor_fault_path(double watts, double powerFactor, double volts, string fault)
    {
        using var culture = new InvariantCultureScope();
        var h = new ShedHarness();
        h.Start(0);
        h.Measure(0, MeterReading.Ok(Meter.Ac(watts, powerFactor, volts)));
        h.Measure(0, MeterReading.Ok(Meter.Ac(watts, powerFactor, volts)));
        Assert.Equal(PortState.Charging, h.State(0));

        h.Measure(0, MeterReading.Ok(Meter.Ac(watts, powerFactor, volts)));

        Assert.False(h.Relays.IsClosed(0));
        Assert.Equal(SessionEndReason.SensorFault, Assert.Single(h.Sessions(0)).EndReason);
        Assert.Equal(fault, Assert.Single(h.Events.Raised(AlarmKind.PortSensorFault)).Detail);
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Fault, fault), (port.State, port.Fault));
    }

    [Fact]
    public void Slightly_negative_power_on_an_AC_port_and_20_V_on_a_DC_port_are_plausible()
    {
        var settings = new PortProtectionSettings();
        var h = new ShedHarness(null, [new PortProtectionPlan("p1", settings, IsAc: true), new PortProtectionPlan("p2", settings, IsAc: false)]);
        h.Start(0);
        h.Start(1);
        for (int i = 0; i < 5; i++)
        {
            h.Advance(Second);
            h.Measure(0, MeterReading.Ok(Meter.Ac(-15 - i, 0.6)));     // down to -19 W: above -4 × NoLoadW
            h.Measure(1, MeterReading.Ok(Meter.Dc(100, 20 + (i * 0.01))));
        }

        Assert.Empty(h.Events.Raised(AlarmKind.PortSensorFault));
        Assert.Equal([PortState.Charging, PortState.Charging], h.Snapshot().Ports.Select(p => p.State));
    }

    [Fact]
    public void Current_through_an_open_relay_on_two_consecutive_readings_raises_critical_relay_fault_and_faults_the_port()
    {
        var h = new ShedHarness();
        h.Draw(0, 115, 1.0);                            // 0.5 A through an open relay: once is not enough
        Assert.Empty(h.Events.Raised(AlarmKind.RelayFault));
        h.Advance(Second);
        long mark = h.Mark();

        h.Draw(0, 115, 1.0);

        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false), (open.Port, open.Closed));
        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Alarm alarm = raised.Alarm;
        Assert.Equal((AlarmKind.RelayFault, AlarmSeverity.Critical, "port:p1", 0.1, "A"), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Threshold, alarm.Unit));
        Assert.InRange(alarm.Value!.Value, 0.49, 0.51);
        Assert.True(open.Sequence < h.Events.SequenceOf(raised));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Fault, "relay_fault"), (port.State, port.Lockout));
        Assert.Equal(new CommandResult(false, "port in fault: relay_fault"), h.Send(PortCommandKind.Start, 0));
        Assert.Equal(new CommandResult(false, "locked out by relay_fault: only port_reset brings it back"), h.Send(PortCommandKind.Enable, 0));

        // Latched: still raised long after the current stopped.
        h.DrawFor(0, 0, TimeSpan.FromMinutes(1), Second);
        Assert.Equal(alarm, h.PortAlarm(0, AlarmKind.RelayFault));

        Assert.Equal(new CommandResult(true, "reset"), h.Send(PortCommandKind.Reset, 0, reason: "relay replaced"));
        Assert.Null(h.PortAlarm(0, AlarmKind.RelayFault));
        Assert.Equal(PortState.Idle, h.State(0));
    }

    [Fact]
    public void Welded_contacts_after_an_earlier_failed_relay_write_still_fault_and_lock_out_the_port()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Relays.FailingPorts.Add(0);
        h.Send(PortCommandKind.Stop, 0);
        h.Relays.FailingPorts.Clear();
        h.Advance(Second);

        // The retried open "succeeds" but the contacts are welded: current keeps flowing.
        h.Draw(0, 300);
        h.Advance(Second);
        h.Draw(0, 300);

        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Fault, "relay_fault"), (port.State, port.Lockout));
        Assert.Equal(SessionEndReason.UserStop, Assert.Single(h.Sessions(0)).EndReason);
    }

    [Fact]
    public void Current_through_an_open_relay_that_stops_after_one_reading_is_no_fault()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 300);
        h.Send(PortCommandKind.Stop, 0);

        h.Draw(0, 300);                                 // measured while the contacts released
        h.Advance(Second);
        h.Draw(0, 0);
        h.Advance(Second);
        h.Draw(0, 300);                                 // an isolated reading again
        h.Advance(Second);
        h.Draw(0, 0);
        h.Advance(Second);
        h.Measure(0, MeterReading.Ok(Meter.Ac(23, 1.0)));  // exactly 0.1 A: not above the threshold
        h.Advance(Second);
        h.Measure(0, MeterReading.Ok(Meter.Ac(23, 1.0)));

        Assert.Empty(h.Events.Raised(AlarmKind.RelayFault));
        Assert.Equal(PortState.Idle, h.State(0));
    }

    [Fact]
    public void Failing_relay_write_raises_relay_fault_and_is_retried_on_the_next_measurement()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 300);
        h.Relays.FailingPorts.Add(0);
        long mark = h.Mark();

        Assert.Equal(new CommandResult(true, "stopped"), h.Send(PortCommandKind.Stop, 0));

        RelayWrite failed = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false, false), (failed.Port, failed.Closed, failed.Succeeded));
        Assert.True(h.Relays.IsClosed(0), "the relay did not get the command");
        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Alarm alarm = raised.Alarm;
        Assert.Equal((AlarmKind.RelayFault, AlarmSeverity.Critical, "port:p1"), (alarm.Kind, alarm.Severity, alarm.Source));
        Assert.Equal("could not open the relay: i2c write to 0x20 not acknowledged", alarm.Detail);
        Assert.Equal(SessionEndReason.UserStop, Assert.Single(h.Sessions(0)).EndReason);
        Assert.Equal(40, h.Protection.ShortCircuitPeakAmps(0));

        h.Relays.FailingPorts.Clear();
        mark = h.Mark();
        h.Advance(Second);
        h.Draw(0, 0);

        RelayWrite retried = h.Relays.WritesAfter(mark)[0];
        Assert.Equal((0, false, true), (retried.Port, retried.Closed, retried.Succeeded));
        Assert.False(h.Relays.IsClosed(0));
        Assert.False(h.Port(0).RelayClosed);
        Assert.Equal(double.PositiveInfinity, h.Protection.ShortCircuitPeakAmps(0));
        Assert.Single(h.Events.Raised(AlarmKind.RelayFault));
    }

    [Fact]
    public void Overload_trip_whose_relay_write_fails_keeps_the_port_locked_out_and_retries_the_open_on_every_measurement()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 1200);
        h.Relays.FailingPorts.Add(0);
        h.Advance(TimeSpan.FromMilliseconds(500));
        long mark = h.Mark();

        h.Draw(0, 1200);

        Assert.Equal([AlarmKind.RelayFault, AlarmKind.PortOverload], h.Events.After<AlarmRaised>(mark).Select(r => r.Alarm.Kind));
        Assert.Equal(SessionEndReason.Overload, Assert.Single(h.Sessions(0)).EndReason);
        Assert.True(h.Relays.IsClosed(0));
        Assert.Equal(40, h.Protection.ShortCircuitPeakAmps(0));

        // Still live: every measurement retries the open, and nothing is raised twice.
        for (int i = 0; i < 3; i++)
        {
            h.Advance(Second);
            Assert.Null(Record.Exception(() => h.Draw(0, 1200)));
        }

        Assert.Equal(4, h.Relays.WritesAfter(mark).Count(w => w.Port == 0 && !w.Closed && !w.Succeeded));
        Assert.Single(h.Events.Raised(AlarmKind.RelayFault));
        Assert.Single(h.Events.Raised(AlarmKind.PortOverload));
        Assert.False(h.Send(PortCommandKind.Start, 0).Accepted);

        h.Relays.FailingPorts.Clear();
        h.Advance(Second);
        h.Draw(0, 0);
        Assert.False(h.Relays.IsClosed(0));
        Assert.Equal(double.PositiveInfinity, h.Protection.ShortCircuitPeakAmps(0));

        Assert.Equal(new CommandResult(true, "reset"), h.Send(PortCommandKind.Reset, 0, reason: "bus cable reseated, heater removed"));
        Assert.Equal(2, h.Events.All<AlarmCleared>().Count);
        Assert.Empty(h.ActiveAlarms());
        Assert.Equal(PortState.Idle, h.State(0));
    }

    [Fact]
    public void Measurement_while_a_failed_relay_open_is_still_pending_after_the_session_ended_does_not_throw_and_keeps_retrying()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 300);
        h.Relays.FailingPorts.Add(0);
        h.Send(PortCommandKind.Stop, 0);
        long mark = h.Mark();

        for (int i = 0; i < 3; i++)
        {
            h.Advance(Second);
            Exception? thrown = Record.Exception(() => h.Draw(0, 300));
            Assert.Null(thrown);
        }

        Assert.Equal(3, h.Relays.WritesAfter(mark).Count(w => w.Port == 0 && !w.Closed && !w.Succeeded));
        Assert.Equal((PortState.Fault, "relay_fault"), (h.State(0), h.Port(0).Lockout));
        Assert.Single(h.Events.Raised(AlarmKind.RelayFault));

        h.Relays.FailingPorts.Clear();
        h.Advance(Second);
        h.Draw(0, 0);
        Assert.False(h.Relays.IsClosed(0));
    }

    [Fact]
    public void Relay_fault_raised_by_a_failed_write_locks_the_port_until_a_reset_clears_it()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Relays.FailingPorts.Add(0);
        h.Send(PortCommandKind.Stop, 0);
        h.Relays.FailingPorts.Clear();
        h.Advance(Second);
        h.Draw(0, 0);                                   // the retry reaches the relay
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.RelayFault));

        Assert.False(h.Send(PortCommandKind.Start, 0).Accepted);
        Assert.Equal(new CommandResult(true, "reset"), h.Send(PortCommandKind.Reset, 0, reason: "bus cable reseated"));
        Assert.Equal(alarm.Id, Assert.Single(h.Events.Cleared(AlarmKind.RelayFault)).Alarm.Id);
        Assert.Null(h.PortAlarm(0, AlarmKind.RelayFault));
    }
}
