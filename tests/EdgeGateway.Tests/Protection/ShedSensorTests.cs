using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

public sealed class ShedSensorTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>p1 and p2 charging, p3 idle.</summary>
    private static ShedHarness TwoCharging()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Start(1);
        h.Advance(Second);
        h.Draw(0, 300);
        h.Draw(1, 400);
        h.Advance(Second);
        return h;
    }

    [Fact]
    public void Cabinet_just_below_the_limit_turns_nothing_off()
    {
        ShedHarness h = TwoCharging();
        long mark = h.Mark();

        h.Temperature(59.9);

        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Empty(h.Events.After<GatewayEvent>(mark));
        Assert.False(h.Protection.ShedLockedOut);
        Assert.Equal(59.9, h.Snapshot().CabinetTemperatureC);
    }

    [Fact]
    public void Over_temperature_at_the_limit_turns_every_port_off_ends_sessions_and_raises_a_critical_alarm()
    {
        ShedHarness h = TwoCharging();
        long mark = h.Mark();

        h.Temperature(60);

        Assert.Equal([0, 1, 2], h.Relays.WritesAfter(mark).Select(w => w.Port));
        Assert.All(h.Relays.WritesAfter(mark), w => Assert.False(w.Closed));
        Assert.False(h.Relays.IsClosed(0));
        Assert.False(h.Relays.IsClosed(1));
        IReadOnlyList<SessionClosed> closed = h.Events.After<SessionClosed>(mark);
        Assert.Equal(["p1", "p2"], closed.Select(c => c.Session.PortId));
        Assert.All(closed, c => Assert.Equal(SessionEndReason.OverTemperature, c.Session.EndReason));
        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Alarm alarm = raised.Alarm;
        Assert.Equal((AlarmKind.OverTemperature, AlarmSeverity.Critical, "shed", 60d, 60d, "°C"), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Value, alarm.Threshold, alarm.Unit));
        AssertEachRelayOpenedBeforeItsSessionWasReported(h, mark, closed);
        Assert.True(h.Relays.WritesAfter(mark)[^1].Sequence < h.Events.SequenceOf(raised));
        Assert.True(h.Protection.ShedLockedOut);
        Assert.Equal([PortState.Idle, PortState.Idle, PortState.Idle], h.Snapshot().Ports.Select(p => p.State));

        // Hotter still: no second alarm, nothing more to switch.
        h.Temperature(70);
        Assert.Single(h.Events.Raised(AlarmKind.OverTemperature));
    }

    [Fact]
    public void Over_temperature_clears_only_after_AlarmClearAfter_below_the_limit_minus_the_hysteresis()
    {
        ShedHarness h = TwoCharging();
        h.Temperature(62);
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.OverTemperature));

        // 56 °C is under the 60 °C limit but inside the 5 °C hysteresis: never clears.
        for (int i = 0; i < 30; i++)
        {
            h.Advance(Second);
            h.Temperature(56);
        }

        Assert.Empty(h.Events.Cleared(AlarmKind.OverTemperature));
        h.Advance(Second);
        DateTimeOffset coolSince = h.Now;
        h.Temperature(54.9);
        h.Advance(TimeSpan.FromSeconds(4));
        h.Temperature(55);                          // back inside the hysteresis band: the clear time restarts
        h.Advance(Second);
        h.Temperature(54);
        DateTimeOffset restarted = h.Now;
        h.Advance(TimeSpan.FromSeconds(9));
        h.Temperature(50);
        Assert.Empty(h.Events.Cleared(AlarmKind.OverTemperature));
        Assert.Equal(new CommandResult(false, "over-temperature: every port is off"), h.Send(PortCommandKind.Start, 0));
        Assert.True(h.Now - coolSince >= TimeSpan.FromSeconds(10));

        h.Advance(Second);
        h.Temperature(50);

        AlarmCleared cleared = Assert.Single(h.Events.Cleared(AlarmKind.OverTemperature));
        Assert.Equal((alarm.Id, restarted + TimeSpan.FromSeconds(10), "cabinet cooled down"), (cleared.Alarm.Id, cleared.At, cleared.Reason));
        Assert.False(h.Protection.ShedLockedOut);
        Assert.True(h.Send(PortCommandKind.Start, 0) is { Accepted: true, Message: "charging", SessionId: not null });
    }

    [Fact]
    public void One_active_smoke_read_is_not_enough_to_turn_the_shed_off()
    {
        ShedHarness h = TwoCharging();
        long mark = h.Mark();

        h.Smoke(true);
        h.Advance(Second);
        h.Smoke(false);
        h.Advance(Second);
        h.Smoke(true);                              // not consecutive with the first

        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Empty(h.Events.After<GatewayEvent>(mark));
        Assert.False(h.Protection.ShedLockedOut);
        Assert.True(h.Relays.IsClosed(0));
        Assert.True(h.Snapshot().Smoke);
    }

    [Fact]
    public void Two_consecutive_smoke_reads_turn_every_port_off_end_sessions_and_raise_a_critical_alarm()
    {
        ShedHarness h = TwoCharging();
        h.Smoke(true);
        h.Advance(Second);
        long mark = h.Mark();

        h.Smoke(true);

        Assert.Equal([(0, false), (1, false), (2, false)], h.Relays.WritesAfter(mark).Select(w => (w.Port, w.Closed)));
        IReadOnlyList<SessionClosed> closed = h.Events.After<SessionClosed>(mark);
        Assert.Equal(["p1", "p2"], closed.Select(c => c.Session.PortId));
        Assert.All(closed, c => Assert.Equal(SessionEndReason.Smoke, c.Session.EndReason));
        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Assert.Equal((AlarmKind.Smoke, AlarmSeverity.Critical, "shed"), (raised.Alarm.Kind, raised.Alarm.Severity, raised.Alarm.Source));
        AssertEachRelayOpenedBeforeItsSessionWasReported(h, mark, closed);
        Assert.True(h.Relays.WritesAfter(mark)[^1].Sequence < h.Events.SequenceOf(raised));
        Assert.True(h.Protection.ShedLockedOut);
        ShedSnapshot snapshot = h.Snapshot();
        Assert.True(snapshot.Smoke);
        Assert.Equal(raised.Alarm, Assert.Single(snapshot.ActiveAlarms));

        h.Advance(Second);
        h.Smoke(true);
        Assert.Single(h.Events.Raised(AlarmKind.Smoke));
    }

    [Fact]
    public void Smoke_alarm_clears_after_AlarmClearAfter_of_quiet_reads()
    {
        ShedHarness h = TwoCharging();
        h.Smoke(true);
        h.Smoke(true);
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.Smoke));
        DateTimeOffset quietSince = h.Now + Second;

        for (int i = 0; i < 10; i++)
        {
            h.Advance(Second);
            h.Smoke(false);
        }

        Assert.Empty(h.Events.Cleared(AlarmKind.Smoke));
        Assert.Equal(new CommandResult(false, "smoke alarm: every port is off"), h.Send(PortCommandKind.Start, 0));
        h.Advance(Second);
        h.Smoke(false);

        AlarmCleared cleared = Assert.Single(h.Events.Cleared(AlarmKind.Smoke));
        Assert.Equal((alarm.Id, quietSince + TimeSpan.FromSeconds(10), "smoke detector quiet"), (cleared.Alarm.Id, cleared.At, cleared.Reason));
        Assert.False(h.Protection.ShedLockedOut);
        Assert.True(h.Send(PortCommandKind.Start, 0) is { Accepted: true, Message: "charging", SessionId: not null });
    }

    [Fact]
    public void Thermometer_vt_and_smoke_input_faults_raise_one_shed_sensor_fault_each_named_by_source()
    {
        ShedHarness h = TwoCharging();
        long mark = h.Mark();
        var faulty = new ShedSensorReadings(null, [("cabinet-top", "crc error"), ("cabinet-bottom", "no presence pulse")], null, "input floating", "vt reads 0 V");

        h.Sensors(faulty);
        h.Advance(Second);
        h.Sensors(faulty);

        IReadOnlyList<Alarm> raised = h.Events.Raised(AlarmKind.ShedSensorFault);
        Assert.Equal(
            [("thermometer:cabinet-top", "crc error"), ("thermometer:cabinet-bottom", "no presence pulse"), ("smoke", "input floating"), ("vt", "vt reads 0 V")],
            raised.Select(a => (a.Source, a.Detail)));
        Assert.All(raised, a => Assert.Equal(AlarmSeverity.Major, a.Severity));

        // A failed shed sensor is reported, not acted on: the ports keep charging.
        Assert.Empty(h.Relays.WritesAfter(mark));
        Assert.Empty(h.Events.After<SessionClosed>(mark));
        Assert.False(h.Protection.ShedLockedOut);
        Assert.Equal(4, h.ActiveAlarms().Count);
    }

    [Fact]
    public void Shed_sensor_faults_clear_after_AlarmClearAfter_once_each_sensor_reads_again()
    {
        var h = new ShedHarness();
        h.Sensors(new ShedSensorReadings(null, [("cabinet-top", "crc error")], null, "input floating", "vt reads 0 V"));
        DateTimeOffset raisedAt = h.Now;

        // The thermometer and smoke input recover at once; the VT keeps failing.
        for (int i = 0; i < 10; i++)
        {
            h.Advance(Second);
            h.Sensors(new ShedSensorReadings(31, [], false, null, "vt reads 0 V"));
        }

        Assert.Empty(h.Events.Cleared(AlarmKind.ShedSensorFault));
        h.Advance(Second);
        h.Sensors(new ShedSensorReadings(31, [], false, null, "vt reads 0 V"));

        IReadOnlyList<AlarmCleared> cleared = h.Events.Cleared(AlarmKind.ShedSensorFault);
        Assert.Equal(["smoke", "thermometer:cabinet-top"], cleared.Select(c => c.Alarm.Source).Order(StringComparer.Ordinal));
        Assert.All(cleared, c => Assert.Equal((raisedAt + TimeSpan.FromSeconds(11), "sensor reads again"), (c.At, c.Reason)));
        Assert.Equal("vt", Assert.Single(h.ActiveAlarms()).Source);

        // The VT recovers, fails once more during the clear time, then recovers for good.
        h.Advance(Second);
        h.Sensors(ShedHarness.Quiet);
        h.Advance(TimeSpan.FromSeconds(5));
        h.Sensors(ShedHarness.Quiet with { VoltageFault = "vt reads 0 V" });
        h.Advance(Second);
        h.Sensors(ShedHarness.Quiet);
        DateTimeOffset recovered = h.Now;
        h.Advance(TimeSpan.FromSeconds(9));
        h.Sensors(ShedHarness.Quiet);
        Assert.Equal(2, h.Events.Cleared(AlarmKind.ShedSensorFault).Count);
        h.Advance(Second);
        h.Sensors(ShedHarness.Quiet);

        Assert.Equal(("vt", recovered + TimeSpan.FromSeconds(10)), (h.Events.Cleared(AlarmKind.ShedSensorFault)[^1].Alarm.Source, h.Events.Cleared(AlarmKind.ShedSensorFault)[^1].At));
        Assert.Empty(h.ActiveAlarms());
        Assert.Equal(3, h.Events.Raised(AlarmKind.ShedSensorFault).Count);
    }

    private static void AssertEachRelayOpenedBeforeItsSessionWasReported(ShedHarness h, long mark, IReadOnlyList<SessionClosed> closed)
    {
        foreach (SessionClosed c in closed)
        {
            int index = int.Parse(c.Session.PortId[1..], System.Globalization.CultureInfo.InvariantCulture) - 1;
            RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark), w => w.Port == index);
            Assert.True(open.Sequence < h.Events.SequenceOf(c), $"relay of {c.Session.PortId} opened after its session was reported");
        }
    }
}
