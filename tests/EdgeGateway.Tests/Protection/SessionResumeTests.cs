using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;
using UnitsNet;

namespace EdgeGateway.Tests.Protection;

/// <summary>断电续充: what protection does with the sessions the journal held when the gateway went down.</summary>
public sealed class SessionResumeTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset Started = ShedHarness.T0 - TimeSpan.FromMinutes(40);
    private static readonly DateTimeOffset Written = ShedHarness.T0 - TimeSpan.FromMinutes(3);

    private static JournalledSession Journalled(string port = "p1", DateTimeOffset? stoppedAt = null) =>
        new("0193a1b2-resumed", port, Started, 150, 420, Written, null, null, stoppedAt);

    [Fact]
    public void A_session_within_the_window_resumes_with_its_id_and_energy_and_the_relay_closes_only_after_a_plausible_open_reading_and_the_shed_sensors()
    {
        var h = new ShedHarness();

        h.Protection.ResumeSessions([(Journalled(), TimeSpan.FromMinutes(3))]);

        PortSnapshot resuming = h.Protection.Snapshot.Ports[0];
        Assert.Equal((PortState.Charging, false, "0193a1b2-resumed", 150.0), (resuming.State, resuming.RelayClosed, resuming.SessionId, resuming.SessionEnergyWh));
        Assert.Equal(Started, resuming.SessionStartedAt);
        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);

        // A plausible reading through the open relay, but the shed's sensors not read yet: smoke or heat is unknown.
        h.Advance(Second);
        h.Round(0);
        Assert.False(h.Relays.IsClosed(0));

        h.Advance(Second);
        h.Draw(0, 0);
        h.Sensors(ShedHarness.Quiet);
        long mark = h.Mark();
        h.Protection.OnRoundComplete();

        Assert.True(h.Relays.IsClosed(0));
        SessionResumed resumed = Assert.Single(h.Events.All<SessionResumed>());
        Assert.Equal(("0193a1b2-resumed", "p1", TimeSpan.FromMinutes(3), 150.0, 420.0), (resumed.SessionId, resumed.PortId, resumed.Offline, resumed.EnergyWh, resumed.PeakPowerW));
        Assert.True(h.Relays.WritesAfter(mark).Single().Sequence < h.Events.SequenceOf(resumed), "the relay closes before the resume is reported");
        Assert.Empty(h.Events.All<SessionClosed>());

        // Energy continues from the journalled value; the seconds the relay was open added nothing.
        h.DrawFor(0, 360, TimeSpan.FromSeconds(10), Second);
        Assert.Equal(new CommandResult(true, "stopped"), h.Send(PortCommandKind.Stop, 0));
        ChargingSession closed = Assert.Single(h.Sessions(0));
        Assert.Equal(("0193a1b2-resumed", Started, SessionEndReason.UserStop), (closed.Id, closed.StartedAt, closed.EndReason));
        Assert.Equal(151, closed.EnergyWh, precision: 6);
        Assert.Equal(420, closed.PeakPowerW);
    }

    [Fact]
    public void The_first_measurement_after_the_relay_closes_is_checked_for_short_circuit()
    {
        var h = new ShedHarness();
        h.Protection.ResumeSessions([(Journalled(), TimeSpan.FromMinutes(3))]);
        Assert.Equal(double.PositiveInfinity, h.Protection.ShortCircuitPeakAmps(0));
        h.Draw(0, 0);
        h.Sensors(ShedHarness.Quiet);
        h.Protection.OnRoundComplete();
        Assert.Equal(new PortProtectionSettings().ShortCircuitPeakA, h.Protection.ShortCircuitPeakAmps(0));

        h.Measure(0, MeterReading.ShortCircuit(ElectricCurrent.FromAmperes(80)));

        Assert.False(h.Relays.IsClosed(0));
        ChargingSession closed = Assert.Single(h.Sessions(0));
        Assert.Equal(("0193a1b2-resumed", SessionEndReason.ShortCircuit, 150.0), (closed.Id, closed.EndReason, closed.EnergyWh));
        Assert.NotNull(h.PortAlarm(0, AlarmKind.PortShortCircuit));
    }

    [Theory]
    [InlineData(11.0, true)]
    [InlineData(null, true)]
    [InlineData(3.0, false)]
    public void A_session_that_cannot_resume_ends_as_power_loss_with_the_energy_and_time_of_its_last_journal_write(double? outageMinutes, bool resumeOn)
    {
        var h = new ShedHarness(new ShedProtectionSettings { ResumeAfterRestart = resumeOn });

        h.Protection.ResumeSessions([(Journalled(), outageMinutes is { } m ? TimeSpan.FromMinutes(m) : null)]);
        h.Draw(0, 0);
        h.Sensors(ShedHarness.Quiet);
        h.Protection.OnRoundComplete();

        ChargingSession closed = Assert.Single(h.Sessions(0));
        Assert.Equal(("0193a1b2-resumed", SessionEndReason.PowerLoss, 150.0, 420.0, Started, Written), (closed.Id, closed.EndReason, closed.EnergyWh, closed.PeakPowerW, closed.StartedAt, closed.EndedAt));
        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);
        Assert.Equal(PortState.Idle, h.State(0));
        Assert.Empty(h.Events.All<SessionResumed>());
    }

    /// <summary>A Pi without RTC booted before NTP: its wall clock is fake-hwclock's saved time, two hours behind.</summary>
    private static ShedHarness BootedBeforeNtp()
    {
        var h = new ShedHarness();
        h.StepWallClock(TimeSpan.FromHours(-2));
        h.Protection.ResumeSessions([(Journalled(), null)], outageAwaitsClock: true);
        return h;
    }

    /// <summary>A round with nothing drawn through the open relays and quiet shed sensors (commands and clock news applied first, as the sampler does).</summary>
    private static void QuietRound(ShedHarness h)
    {
        h.Protection.ProcessCommands();
        h.Draw(0, 0);
        h.Sensors(ShedHarness.Quiet);
        h.Protection.OnRoundComplete();
    }

    [Fact]
    public void A_session_whose_outage_awaits_the_clock_is_held_with_its_relay_open_then_resumes_on_the_outage_the_synchronised_clock_measures()
    {
        ShedHarness h = BootedBeforeNtp();
        Assert.True(h.Protection.SessionsAwaitClock);
        for (int i = 0; i < 60; i++)
        {
            h.Advance(Second);
            QuietRound(h);
        }

        // A minute of plausible open-relay readings: still held, nothing closed, nothing ended.
        Assert.Equal((PortState.Charging, false, "0193a1b2-resumed"), (h.Port(0).State, h.Port(0).RelayClosed, h.Port(0).SessionId));
        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);
        Assert.Empty(h.Events.All<SessionClosed>());

        // NTP steps the clock to the truth (T0 + 1 min): the socket was off from the last write, 3 min before T0.
        h.StepWallClock(TimeSpan.FromHours(2));
        h.Protection.WallClockTrusted();
        QuietRound(h);

        Assert.False(h.Protection.SessionsAwaitClock);
        Assert.True(h.Relays.IsClosed(0));
        SessionResumed resumed = Assert.Single(h.Events.All<SessionResumed>());
        Assert.Equal(("0193a1b2-resumed", TimeSpan.FromMinutes(4), 150.0), (resumed.SessionId, resumed.Offline, resumed.EnergyWh));
        Assert.Empty(h.Events.All<SessionClosed>());
    }

    [Fact]
    public void A_held_session_whose_measured_outage_is_longer_than_the_window_ends_as_power_loss_at_its_last_write()
    {
        ShedHarness h = BootedBeforeNtp();

        // The clock synchronises to 2 h after the last write: far beyond the 10-minute window.
        h.StepWallClock(TimeSpan.FromHours(2) + TimeSpan.FromHours(2));
        h.Protection.WallClockTrusted();
        QuietRound(h);

        ChargingSession closed = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.PowerLoss, Written, 150.0), (closed.EndReason, closed.EndedAt, closed.EnergyWh));
        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);
        Assert.Equal(PortState.Idle, h.State(0));
        Assert.Empty(h.Events.All<SessionResumed>());
    }

    [Fact]
    public void A_held_session_ends_as_power_loss_once_the_resume_window_passes_on_the_monotonic_clock_without_synchronisation()
    {
        ShedHarness h = BootedBeforeNtp();
        h.Advance(TimeSpan.FromMinutes(10));
        QuietRound(h);
        Assert.Empty(h.Events.All<SessionClosed>());

        h.Advance(Second);
        QuietRound(h);

        ChargingSession closed = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.PowerLoss, Written), (closed.EndReason, closed.EndedAt));
        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);
        Assert.Equal(PortState.Idle, h.State(0));
    }

    [Fact]
    public void A_session_stopped_cleanly_and_not_resumed_ends_as_shutdown_at_the_stop()
    {
        var h = new ShedHarness();
        DateTimeOffset stopped = Written + TimeSpan.FromSeconds(20);

        h.Protection.ResumeSessions([(Journalled(stoppedAt: stopped), TimeSpan.FromHours(2))]);

        ChargingSession closed = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.Shutdown, stopped), (closed.EndReason, closed.EndedAt));
    }

    [Fact]
    public void A_port_locked_out_before_the_restart_stays_open_and_its_session_ends_as_power_loss()
    {
        var h = new ShedHarness();
        var overload = new Alarm("a-1", AlarmKind.PortOverload, AlarmSeverity.Major, "port:p1", 1500, 1000, "W", Written, "overload");
        h.Protection.ApplyConfiguration([overload]);

        h.Protection.ResumeSessions([(Journalled(), TimeSpan.FromMinutes(1))]);
        h.Draw(0, 0);
        h.Sensors(ShedHarness.Quiet);
        h.Protection.OnRoundComplete();

        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);
        Assert.Equal(PortState.Disabled, h.State(0));
        Assert.Equal(SessionEndReason.PowerLoss, Assert.Single(h.Sessions(0)).EndReason);
    }

    [Fact]
    public void Smoke_at_the_restart_keeps_the_relay_open_and_ends_the_session_as_smoke()
    {
        var h = new ShedHarness();
        h.Protection.ResumeSessions([(Journalled(), TimeSpan.FromMinutes(1))]);

        for (int round = 0; round < 2; round++)
        {
            h.Advance(Second);
            h.Draw(0, 0);
            h.Smoke(true);
            h.Protection.OnRoundComplete();
        }

        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);
        Assert.Equal(SessionEndReason.Smoke, Assert.Single(h.Sessions(0)).EndReason);
    }

    [Fact]
    public void Over_temperature_at_the_restart_keeps_the_relay_open()
    {
        var h = new ShedHarness();
        h.Protection.ResumeSessions([(Journalled(), TimeSpan.FromMinutes(1))]);

        h.Draw(0, 0);
        h.Temperature(new ShedProtectionSettings().OverTemperatureC + 1);
        h.Protection.OnRoundComplete();

        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);
    }

    [Fact]
    public void A_meter_that_fails_at_the_restart_keeps_the_relay_open_and_the_port_goes_to_fault()
    {
        var h = new ShedHarness();
        h.Protection.ResumeSessions([(Journalled(), TimeSpan.FromMinutes(1))]);

        for (int round = 0; round < new PortProtectionSettings().SensorFaultReads; round++)
        {
            h.Advance(Second);
            h.Measure(0, MeterReading.Failed("SPI read failed"));
            h.Sensors(ShedHarness.Quiet);
            h.Protection.OnRoundComplete();
        }

        Assert.DoesNotContain(h.Relays.Writes, w => w.Closed);
        Assert.Equal(PortState.Fault, h.State(0));
        Assert.Equal(SessionEndReason.SensorFault, Assert.Single(h.Sessions(0)).EndReason);
    }

    [Fact]
    public void SuspendAll_opens_every_relay_and_keeps_the_sessions_open_for_the_journal()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.DrawFor(0, 360, TimeSpan.FromSeconds(10), Second);
        long mark = h.Mark();

        h.Protection.SuspendAll();
        h.Protection.SuspendAll();

        Assert.False(h.Relays.IsClosed(0));
        Assert.Empty(h.Events.All<SessionClosed>());
        SessionSuspended suspended = Assert.Single(h.Events.After<SessionSuspended>(mark));
        Assert.Equal(("p1", 1.0), (suspended.PortId, Math.Round(suspended.EnergyWh, 6)));
        Assert.True(h.Relays.WritesAfter(mark)[0].Sequence < h.Events.SequenceOf(suspended), "the relays open before anything is reported");
    }
}
