using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;

namespace EdgeGateway.Tests.Protection;

public sealed class SessionEndTests
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    [Fact]
    public void Power_below_the_complete_floor_for_CompleteHold_ends_the_session_as_Complete_with_its_energy_and_peak()
    {
        var h = new ShedHarness();
        h.Start(0);

        // Bulk: 200 W for 30 min (one reading of 240 W at 10 min), measured every 10 s.
        h.DrawFor(0, 200, TimeSpan.FromMinutes(10) - TenSeconds, TenSeconds);
        h.Advance(TenSeconds);
        h.Draw(0, 240);
        h.DrawFor(0, 200, TimeSpan.FromMinutes(20), TenSeconds);

        // Tail: 10 W (under the 15 W floor, over the 5 W no-load level) from T0+30:10; the hold is 10 min.
        h.DrawFor(0, 10, TimeSpan.FromMinutes(10), TenSeconds);
        Assert.Equal(PortState.Charging, h.State(0));
        long mark = h.Mark();
        h.Advance(TenSeconds);
        h.Draw(0, 10);

        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false), (open.Port, open.Closed));
        Assert.False(h.Relays.IsClosed(0));
        SessionClosed closed = Assert.Single(h.Events.After<SessionClosed>(mark));
        ChargingSession session = closed.Session;
        Assert.Equal(SessionEndReason.Complete, session.EndReason);
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromMinutes(40) + TenSeconds, session.EndedAt);
        Assert.Equal(240, session.PeakPowerW);

        // 200 W × 30 min = 100 Wh, + 40 W × 10 s for the 240 W reading, + 10 W × 10 min 10 s of tail.
        double expectedWh = 100 + (40 * 10 / 3600.0) + (10 * 610 / 3600.0);
        Assert.InRange(session.EnergyWh, expectedWh - 0.05, expectedWh + 0.05);
        Assert.True(open.Sequence < h.Events.SequenceOf(closed));

        PortStateChanged state = Assert.Single(h.Events.After<PortStateChanged>(mark));
        Assert.Equal((PortState.Charging, PortState.Complete), (state.From, state.To));
        Assert.Empty(h.Events.After<AlarmRaised>(mark));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Complete, false, 0d), (port.State, port.RelayClosed, port.SessionEnergyWh));
        Assert.Equal(session.EnergyWh, port.LifetimeEnergyWh, 9);
    }

    [Fact]
    public void Energy_of_200_W_for_30_min_is_100_Wh()
    {
        var h = new ShedHarness();
        h.Start(0);

        h.DrawFor(0, 200, TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(2));

        Assert.InRange(h.Port(0).SessionEnergyWh, 99.9, 100.1);
        h.Send(PortCommandKind.Stop, 0);
        Assert.InRange(Assert.Single(h.Sessions(0)).EnergyWh, 99.9, 100.1);
    }

    [Fact]
    public void Power_exactly_at_the_complete_floor_is_not_a_tail()
    {
        var h = new ShedHarness();
        h.Start(0);

        h.DrawFor(0, 15, TimeSpan.FromMinutes(30), TenSeconds);

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.All<SessionClosed>());
    }

    /// <summary>A CC/CV taper: power falling linearly from <paramref name="fromW"/> to <paramref name="toW"/>, a reading every <paramref name="step"/>.</summary>
    private static void Taper(ShedHarness h, int index, double fromW, double toW, TimeSpan duration, TimeSpan step)
    {
        int readings = (int)(duration / step);
        for (int k = 1; k <= readings; k++)
        {
            h.Advance(step);
            h.Draw(index, fromW + ((toW - fromW) * k / readings));
        }
    }

    [Fact]
    public void Taper_that_then_drops_to_near_zero_for_the_confirmation_period_ends_the_session_as_complete()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.DrawFor(0, 150, TimeSpan.FromMinutes(5), TenSeconds);
        Taper(h, 0, 14, 6, TimeSpan.FromMinutes(3), TenSeconds);   // the CV tail, down to the cut-off current
        h.DrawFor(0, 1.2, TimeSpan.FromSeconds(30), TenSeconds);    // standby from T0+8:10: not yet confirmed
        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.All<SessionClosed>());
        long mark = h.Mark();

        h.Advance(TenSeconds);
        h.Draw(0, 1.2);                                             // T0+8:40, 30 s at standby

        ChargingSession session = Assert.Single(h.Events.After<SessionClosed>(mark)).Session;
        Assert.Equal(SessionEndReason.Complete, session.EndReason);
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromMinutes(8) + TimeSpan.FromSeconds(40), session.EndedAt);
        Assert.Equal(150, session.PeakPowerW);
        Assert.False(h.Relays.IsClosed(0));
        Assert.Equal(PortState.Complete, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortNoLoad));
    }

    [Fact]
    public void Float_sitting_steady_at_5_5_W_with_noisy_readings_at_5_W_runs_to_the_complete_hold()
    {
        var h = new ShedHarness();
        h.Start(0);

        // A lead-acid charger already in float: 5.5 W, every seventh reading 4.9 W (the meter's noise at this level).
        for (int k = 0; k < 120; k++)
        {
            h.Advance(TimeSpan.FromSeconds(5));
            h.Draw(0, k % 7 == 6 ? 4.9 : 5.5);
        }

        // T0+10:00, the tail began at T0+0:05: not yet the hold.
        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.All<SessionClosed>());

        h.Advance(TimeSpan.FromSeconds(5));
        h.Draw(0, 5.5);

        ChargingSession session = Assert.Single(h.Events.All<SessionClosed>()).Session;
        Assert.Equal(SessionEndReason.Complete, session.EndReason);
        Assert.Equal(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(5), session.Duration);
        Assert.Empty(h.Events.Raised(AlarmKind.PortNoLoad));
    }

    [Fact]
    public void One_reading_at_no_load_after_a_taper_into_float_is_not_a_cutoff()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.DrawFor(0, 150, TimeSpan.FromMinutes(5), TenSeconds);
        Taper(h, 0, 14, 8, TimeSpan.FromMinutes(2), TenSeconds);
        h.Advance(TenSeconds);
        h.Draw(0, 4.5);
        h.DrawFor(0, 8, TimeSpan.FromMinutes(2), TenSeconds);

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.All<SessionClosed>());
    }

    [Fact]
    public void Unplug_in_the_middle_of_a_tail_ends_as_no_load_not_complete()
    {
        using var culture = new InvariantCultureScope();
        var h = new ShedHarness();
        h.Start(0);
        h.DrawFor(0, 150, TimeSpan.FromMinutes(5), TenSeconds);
        Taper(h, 0, 14, 12, TimeSpan.FromMinutes(2), TenSeconds);
        h.DrawFor(0, 0, TimeSpan.FromSeconds(60), TenSeconds);      // pulled out at T0+7:10
        Assert.Equal(PortState.Charging, h.State(0));

        h.Advance(TenSeconds);
        h.Draw(0, 0);

        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal(SessionEndReason.NoLoad, session.EndReason);
        Assert.Equal("charger pulled out: 0.0 W for 60 s", Assert.Single(h.Events.Raised(AlarmKind.PortNoLoad)).Detail);
    }

    [Fact]
    public void Charger_already_in_its_tail_at_the_start_and_unplugged_is_no_load_not_complete()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.DrawFor(0, 9, TimeSpan.FromMinutes(3), TenSeconds);
        h.DrawFor(0, 0, TimeSpan.FromSeconds(70), TenSeconds);      // 60 s after the first reading at zero

        Assert.Equal(SessionEndReason.NoLoad, Assert.Single(h.Sessions(0)).EndReason);
    }

    [Fact]
    public void Complete_port_can_start_a_new_session()
    {
        var h = new ShedHarness(port: new PortProtectionSettings { CompleteHold = TimeSpan.FromMinutes(1) });
        h.Start(0);
        h.DrawFor(0, 150, TimeSpan.FromMinutes(1), TenSeconds);
        h.DrawFor(0, 10, TimeSpan.FromSeconds(70), TenSeconds);
        Assert.Equal(PortState.Complete, h.State(0));

        Assert.True(h.Send(PortCommandKind.Start, 0) is { Accepted: true, Message: "charging", SessionId: not null });
        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Equal(2, h.Events.All<SessionStarted>().Count);
    }

    [Fact]
    public void Near_zero_power_from_the_start_for_NoLoadTimeout_ends_the_session_with_an_info_no_load_alarm()
    {
        using var culture = new InvariantCultureScope();
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 0);                                               // T0: nothing plugged in
        h.DrawFor(0, 3, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(5));
        Assert.Equal(PortState.Charging, h.State(0));
        long mark = h.Mark();

        h.Advance(TimeSpan.FromSeconds(5));
        h.Draw(0, 5);                                               // T0+60 s, at the no-load level

        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false), (open.Port, open.Closed));
        ChargingSession session = Assert.Single(h.Events.After<SessionClosed>(mark)).Session;
        Assert.Equal((SessionEndReason.NoLoad, TimeSpan.FromSeconds(60)), (session.EndReason, session.Duration));
        Assert.Equal(PortState.Idle, h.State(0));
        Alarm alarm = Assert.Single(h.Events.After<AlarmRaised>(mark)).Alarm;
        Assert.Equal((AlarmKind.PortNoLoad, AlarmSeverity.Info, "port:p1", 5d, 5d, "W"), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Value, alarm.Threshold, alarm.Unit));
        Assert.Equal("no charger drew power within 60 s of the start", alarm.Detail);
        Assert.True(open.Sequence < h.Events.SequenceOf(h.Events.After<SessionClosed>(mark)[0]));
        Assert.Null(h.Port(0).Lockout);
    }

    [Fact]
    public void No_load_alarm_clears_when_the_next_session_starts()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 0);
        h.DrawFor(0, 0, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.PortNoLoad));
        Assert.NotNull(h.PortAlarm(0, AlarmKind.PortNoLoad));
        long mark = h.Mark();

        h.Start(0);

        AlarmCleared cleared = Assert.Single(h.Events.After<AlarmCleared>(mark));
        Assert.Equal((alarm.Id, "new session"), (cleared.Alarm.Id, cleared.Reason));
        Assert.Null(h.PortAlarm(0, AlarmKind.PortNoLoad));
        Assert.True(h.Events.SequenceOf(cleared) < h.Events.SequenceOf(h.Events.After<SessionStarted>(mark)[0]));
    }

    [Fact]
    public void Charger_pulled_out_mid_session_ends_it_as_no_load_after_the_timeout()
    {
        using var culture = new InvariantCultureScope();
        var h = new ShedHarness();
        h.Start(1);
        h.DrawFor(1, 150, TimeSpan.FromMinutes(10), TenSeconds);
        h.DrawFor(1, 0, TimeSpan.FromSeconds(60), TenSeconds);      // pulled out at T0+10:10
        Assert.Equal(PortState.Charging, h.State(1));

        h.Advance(TenSeconds);
        h.Draw(1, 0);                                               // T0+11:10, 60 s at zero

        ChargingSession session = Assert.Single(h.Sessions(1));
        Assert.Equal(SessionEndReason.NoLoad, session.EndReason);
        Assert.Equal(150, session.PeakPowerW);
        Assert.InRange(session.EnergyWh, 25 - 0.01, 25 + 0.01);    // 150 W × 10 min
        Assert.Equal(PortState.Idle, h.State(1));
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.PortNoLoad));
        Assert.Equal(("port:p2", "charger pulled out: 0.0 W for 60 s"), (alarm.Source, alarm.Detail));
        Assert.False(h.Relays.IsClosed(1));
    }

    [Fact]
    public void Session_reaching_MaxSession_ends_and_raises_port_max_duration()
    {
        var h = new ShedHarness(port: new PortProtectionSettings { MaxSession = TimeSpan.FromHours(2) });
        h.Start(0);
        h.DrawFor(0, 150, TimeSpan.FromMinutes(119), TimeSpan.FromMinutes(1));
        Assert.Equal(PortState.Charging, h.State(0));
        long mark = h.Mark();

        h.Advance(TimeSpan.FromMinutes(1));
        h.Draw(0, 150);

        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false), (open.Port, open.Closed));
        ChargingSession session = Assert.Single(h.Events.After<SessionClosed>(mark)).Session;
        Assert.Equal((SessionEndReason.MaxDuration, TimeSpan.FromHours(2)), (session.EndReason, session.Duration));
        Assert.InRange(session.EnergyWh, 300 - 0.01, 300 + 0.01);
        Assert.Equal(PortState.Idle, h.State(0));
        Alarm alarm = Assert.Single(h.Events.After<AlarmRaised>(mark)).Alarm;
        Assert.Equal((AlarmKind.PortMaxDuration, AlarmSeverity.Info, "port:p1", 2d, 2d, "h"), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Value, alarm.Threshold, alarm.Unit));
        Assert.Null(h.Port(0).Lockout);

        // Not latched: the next session clears it.
        h.Start(0);
        Assert.Equal("new session", Assert.Single(h.Events.Cleared(AlarmKind.PortMaxDuration)).Reason);
    }
}
