using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

public sealed class PortCommandTests
{
    [Fact]
    public void Submitted_command_waits_until_ProcessCommands_applies_it_on_the_sampling_thread()
    {
        var h = new ShedHarness();

        Task<CommandResult> task = h.Protection.SubmitAsync(new PortCommand(PortCommandKind.Start, "p1", "card:0042"));

        Assert.False(task.IsCompleted);
        Assert.False(h.Relays.IsClosed(0));
        h.Protection.ProcessCommands();
        Assert.True(task.IsCompletedSuccessfully);
        Assert.True(h.Relays.IsClosed(0));
    }

    [Fact]
    public void Start_closes_the_relay_then_reports_state_Charging_and_SessionStarted()
    {
        var h = new ShedHarness();
        long mark = h.Mark();

        CommandResult result = h.Send(PortCommandKind.Start, 1, "card:0042");

        Assert.True(result is { Accepted: true, Message: "charging", SessionId: not null });
        RelayWrite write = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((1, true, true), (write.Port, write.Closed, write.Succeeded));
        Assert.True(h.Relays.IsClosed(1));
        Assert.False(h.Relays.IsClosed(0));

        PortStateChanged changed = Assert.Single(h.Events.After<PortStateChanged>(mark));
        Assert.Equal(("p2", PortState.Idle, PortState.Charging, "started by card:0042"), (changed.PortId, changed.From, changed.To, changed.Reason));
        SessionStarted started = Assert.Single(h.Events.After<SessionStarted>(mark));
        Assert.Equal(("p2", "card:0042", ShedHarness.T0), (started.PortId, started.RequestedBy, started.At));
        Assert.True(Guid.TryParse(started.SessionId, out _));
        Assert.True(write.Sequence < h.Events.SequenceOf(started), "the relay closes before the session is reported");

        CommandHandled handled = Assert.Single(h.Events.After<CommandHandled>(mark));
        Assert.Equal(result, handled.Result);
        Assert.True(h.Events.SequenceOf(started) < h.Events.SequenceOf(handled));

        PortSnapshot port = h.Port(1);
        Assert.Equal(PortState.Charging, port.State);
        Assert.True(port.RelayClosed);
        Assert.Equal(ShedHarness.T0, port.SessionStartedAt);
    }

    [Fact]
    public void Start_is_refused_while_the_port_is_already_charging()
    {
        var h = new ShedHarness();
        h.Start(0);
        long mark = h.Mark();

        CommandResult result = h.Send(PortCommandKind.Start, 0);

        Assert.Equal(new CommandResult(false, "already charging"), result);
        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Empty(h.Events.After<SessionStarted>(mark));
        Assert.Equal(result, Assert.Single(h.Events.After<CommandHandled>(mark)).Result);
    }

    [Fact]
    public void Start_is_refused_on_a_port_disabled_by_an_operator_and_allowed_after_enable()
    {
        var h = new ShedHarness();
        Assert.Equal(new CommandResult(true, "disabled"), h.Send(PortCommandKind.Disable, 0));
        Assert.Equal(PortState.Disabled, h.State(0));
        long mark = h.Mark();

        Assert.Equal(new CommandResult(false, "disabled by an operator"), h.Send(PortCommandKind.Start, 0));
        Assert.DoesNotContain(h.Relays.WritesAfter(mark), w => w.Closed);

        Assert.Equal(new CommandResult(true, "enabled"), h.Send(PortCommandKind.Enable, 0));
        Assert.Equal(PortState.Idle, h.State(0));
        h.Start(0);
        Assert.Equal(PortState.Charging, h.State(0));
    }

    [Fact]
    public void Port_marked_disabled_in_the_site_file_starts_Disabled_and_refuses_start_until_enabled()
    {
        var settings = new PortProtectionSettings();
        var h = new ShedHarness(null, [new PortProtectionPlan("p1", settings, true), new PortProtectionPlan("p2", settings, true, StartDisabled: true)]);

        Assert.Equal(PortState.Idle, h.State(0));
        Assert.Equal(PortState.Disabled, h.State(1));
        Assert.Equal(new CommandResult(false, "disabled by an operator"), h.Send(PortCommandKind.Start, 1));
        Assert.Equal(new CommandResult(true, "enabled"), h.Send(PortCommandKind.Enable, 1));
        Assert.True(h.Send(PortCommandKind.Start, 1) is { Accepted: true, Message: "charging", SessionId: not null });
    }

    [Fact]
    public void Start_is_refused_for_an_unknown_port()
    {
        var h = new ShedHarness();
        long mark = h.Mark();

        CommandResult result = h.Send(new PortCommand(PortCommandKind.Start, "p9", "card:0042"));

        Assert.Equal(new CommandResult(false, "unknown port 'p9'"), result);
        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Equal(result, Assert.Single(h.Events.After<CommandHandled>(mark)).Result);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Command_without_By_is_refused(string by)
    {
        var h = new ShedHarness();
        long mark = h.Mark();

        CommandResult result = h.Send(new PortCommand(PortCommandKind.Start, "p1", by));

        Assert.Equal(new CommandResult(false, "a command must say who asks"), result);
        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Empty(h.Events.After<SessionStarted>(mark));
    }

    [Fact]
    public void Start_that_cannot_close_the_relay_is_refused_with_the_bus_error()
    {
        var h = new ShedHarness();
        h.Relays.FailingPorts.Add(0);
        long mark = h.Mark();

        CommandResult result = h.Send(PortCommandKind.Start, 0);

        Assert.Equal(new CommandResult(false, "relay write failed: i2c write to 0x20 not acknowledged"), result);
        Assert.Empty(h.Events.After<SessionStarted>(mark));
        Assert.Equal((PortState.Fault, "relay_fault"), (h.State(0), h.Port(0).Lockout));
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.RelayFault));
        Assert.Equal("could not close the relay: i2c write to 0x20 not acknowledged", alarm.Detail);
        Assert.Empty(h.Events.Raised(AlarmKind.PortSensorFault));
    }

    [Fact]
    public void Stop_opens_the_relay_and_closes_the_session_as_user_stop()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.DrawFor(0, 360, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30));
        long mark = h.Mark();

        Assert.Equal(new CommandResult(true, "stopped"), h.Send(PortCommandKind.Stop, 0));

        Assert.False(h.Relays.IsClosed(0));
        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal(SessionEndReason.UserStop, session.EndReason);
        Assert.Equal(TimeSpan.FromMinutes(10), session.Duration);
        Assert.Equal(60, session.EnergyWh, 6);
        Assert.True(Assert.Single(h.Relays.WritesAfter(mark)).Sequence < h.Events.SequenceOf(h.Events.All<SessionClosed>()[0]));
        Assert.Equal(PortState.Idle, h.State(0));
        Assert.Equal(new CommandResult(false, "no session to stop"), h.Send(PortCommandKind.Stop, 0));
    }

    [Fact]
    public void Disable_while_charging_opens_the_relay_and_ends_the_session_as_disabled_by_operator()
    {
        var h = new ShedHarness();
        h.Start(2);
        h.DrawFor(2, 200, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1));

        Assert.Equal(new CommandResult(true, "disabled"), h.Send(PortCommandKind.Disable, 2));

        Assert.False(h.Relays.IsClosed(2));
        Assert.Equal(SessionEndReason.DisabledByOperator, Assert.Single(h.Sessions(2)).EndReason);
        Assert.Equal(PortState.Disabled, h.State(2));
        Assert.Null(h.Port(2).Lockout);
        Assert.Equal(new CommandResult(true, "already disabled"), h.Send(PortCommandKind.Disable, 2));
    }

    [Fact]
    public void Enable_is_refused_on_a_port_that_is_not_disabled()
    {
        var h = new ShedHarness();

        Assert.Equal(new CommandResult(false, "not disabled (state idle)"), h.Send(PortCommandKind.Enable, 0));
    }

    [Fact]
    public void Reset_is_refused_when_there_is_nothing_to_reset()
    {
        var h = new ShedHarness();
        h.Start(0);

        Assert.Equal(new CommandResult(false, "nothing to reset (state charging)"), h.Send(PortCommandKind.Reset, 0, reason: "checked"));
        Assert.Equal(PortState.Charging, h.State(0));
    }

    [Fact]
    public void Start_is_refused_on_a_port_in_sensor_fault_with_the_fault_as_reason()
    {
        var h = new ShedHarness();
        for (int i = 0; i < 3; i++)
        {
            h.Measure(0, MeterReading.Failed("adc1 ch0: spi timeout"));
        }

        Assert.Equal(PortState.Fault, h.State(0));
        long mark = h.Mark();

        Assert.Equal(new CommandResult(false, "port in fault: adc1 ch0: spi timeout"), h.Send(PortCommandKind.Start, 0));
        Assert.DoesNotContain(h.Relays.WritesAfter(mark), w => w.Closed);
    }

    [Fact]
    public void Start_is_refused_while_the_smoke_alarm_is_raised()
    {
        var h = new ShedHarness();
        h.Smoke(true);
        h.Smoke(true);
        Assert.NotNull(h.ShedAlarm(AlarmKind.Smoke));
        long mark = h.Mark();

        Assert.Equal(new CommandResult(false, "smoke alarm: every port is off"), h.Send(PortCommandKind.Start, 0));
        Assert.Empty(h.Relays.WritesAfter(mark));
    }

    [Fact]
    public void Start_is_refused_while_the_over_temperature_alarm_is_raised()
    {
        var h = new ShedHarness();
        h.Temperature(65);
        Assert.True(h.Protection.ShedLockedOut);
        long mark = h.Mark();

        Assert.Equal(new CommandResult(false, "over-temperature: every port is off"), h.Send(PortCommandKind.Start, 1));
        Assert.Empty(h.Relays.WritesAfter(mark));
    }
}
