using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

public sealed class OpenAllAndSnapshotTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void ApplyConfiguration_opens_every_relay_before_anything_else()
    {
        var h = new ShedHarness(ports: 4);

        Assert.Equal([(0, false), (1, false), (2, false), (3, false)], h.Relays.Writes.Select(w => (w.Port, w.Closed)));
        Assert.Empty(h.Events.Entries);
        ShedSnapshot snapshot = h.Protection.Snapshot;
        Assert.Equal(4, snapshot.Ports.Count);
        Assert.All(snapshot.Ports, p => Assert.Equal((PortState.Idle, false), (p.State, p.RelayClosed)));
        Assert.Equal(ShedHarness.T0, snapshot.At);
    }

    [Fact]
    public void OpenAll_opens_every_relay_and_closes_every_session_with_the_given_reason()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Start(2);
        h.Advance(Second);
        h.Round(300, 0, 450);
        long mark = h.Mark();

        h.Protection.OpenAll(SessionEndReason.Shutdown);

        Assert.Equal([(0, false), (1, false), (2, false)], h.Relays.WritesAfter(mark).Select(w => (w.Port, w.Closed)));
        Assert.False(h.Relays.IsClosed(0));
        Assert.False(h.Relays.IsClosed(2));
        IReadOnlyList<SessionClosed> closed = h.Events.After<SessionClosed>(mark);
        Assert.Equal([("p1", SessionEndReason.Shutdown), ("p3", SessionEndReason.Shutdown)], closed.Select(c => (c.Session.PortId, c.Session.EndReason)));
        Assert.True(h.Relays.WritesAfter(mark)[0].Sequence < h.Events.SequenceOf(closed[0]));
        Assert.Equal(
            [("p1", PortState.Charging, PortState.Idle, "shutdown"), ("p3", PortState.Charging, PortState.Idle, "shutdown")],
            h.Events.After<PortStateChanged>(mark).Select(s => (s.PortId, s.From, s.To, s.Reason)));
        Assert.Empty(h.Events.After<AlarmRaised>(mark));

        // OpenAll publishes its own snapshot.
        ShedSnapshot snapshot = h.Protection.Snapshot;
        Assert.All(snapshot.Ports, p => Assert.Equal((PortState.Idle, false, 0d), (p.State, p.RelayClosed, p.PowerW ?? 0)));
        Assert.Equal(0, snapshot.TotalPowerW);
    }

    [Fact]
    public void Snapshot_reflects_states_powers_total_sensors_and_active_alarms_after_OnRoundComplete()
    {
        var h = new ShedHarness(ports: 4);
        h.Start(0);
        h.Start(1);
        h.Send(PortCommandKind.Disable, 2);
        h.Protection.OnRoundComplete();
        ShedSnapshot before = h.Protection.Snapshot;
        long roundsBefore = before.Rounds;

        for (int i = 0; i < 36; i++)
        {
            h.Advance(TimeSpan.FromSeconds(10));
            h.Draw(0, 300);
            h.Draw(1, 450, 0.62);
            h.Measure(3, MeterReading.Failed("adc1 ch3: spi timeout"));
        }

        h.Sensors(new ShedSensorReadings(41.5, [("cabinet", "crc error")], false, null, null));

        // Nothing changes until the round ends.
        Assert.Same(before, h.Protection.Snapshot);
        h.Protection.OnRoundComplete();
        ShedSnapshot snapshot = h.Protection.Snapshot;

        Assert.Equal(roundsBefore + 1, snapshot.Rounds);
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromMinutes(6), snapshot.At);
        Assert.Equal([PortState.Charging, PortState.Charging, PortState.Disabled, PortState.Fault], snapshot.Ports.Select(p => p.State));
        Assert.Equal(["p1", "p2", "p3", "p4"], snapshot.Ports.Select(p => p.Id));
        Assert.Equal([true, true, false, false], snapshot.Ports.Select(p => p.RelayClosed));
        Assert.Equal(300, snapshot.Ports[0].PowerW);
        Assert.Equal(450, snapshot.Ports[1].PowerW);
        Assert.Equal(0.62, snapshot.Ports[1].PowerFactor);
        Assert.Null(snapshot.Ports[2].PowerW);
        Assert.Equal(750, snapshot.TotalPowerW);
        Assert.Equal(30, snapshot.Ports[0].SessionEnergyWh, 9);       // 300 W × 6 min
        Assert.Equal(45, snapshot.Ports[1].SessionEnergyWh, 9);       // 450 W × 6 min
        Assert.Equal(ShedHarness.T0, snapshot.Ports[0].SessionStartedAt);
        Assert.Null(snapshot.Ports[2].SessionStartedAt);
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromMinutes(6), snapshot.Ports[0].LastMeasuredAt);
        Assert.Equal(("adc1 ch3: spi timeout", (string?)null), (snapshot.Ports[3].Fault, snapshot.Ports[2].Lockout));
        Assert.Equal(41.5, snapshot.CabinetTemperatureC);
        Assert.False(snapshot.Smoke);

        // Newest first: the shed sensor fault (T0+6 min) before the port's (T0+30 s, its third failed read).
        Assert.Equal(
            [(AlarmKind.ShedSensorFault, "thermometer:cabinet"), (AlarmKind.PortSensorFault, "port:p4")],
            snapshot.ActiveAlarms.Select(a => (a.Kind, a.Source)));
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromSeconds(30), snapshot.ActiveAlarms[1].RaisedAt);
    }

    [Fact]
    public void Snapshot_power_of_a_port_whose_relay_is_open_is_zero_and_not_counted_in_the_total()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 500);
        h.Draw(1, 0);
        h.Send(PortCommandKind.Stop, 0);

        ShedSnapshot snapshot = h.Snapshot();

        Assert.Equal(0, snapshot.Ports[0].PowerW);
        Assert.Equal(0, snapshot.Ports[1].PowerW);
        Assert.Equal(0, snapshot.TotalPowerW);
        Assert.InRange(snapshot.Ports[0].CurrentA!.Value, 3.6, 3.7);    // the last reading is still shown
    }

    [Fact]
    public void Lifetime_energy_adds_up_over_sessions()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.DrawFor(0, 600, TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(5));
        h.Send(PortCommandKind.Stop, 0);
        h.Start(0);
        h.DrawFor(0, 300, TimeSpan.FromMinutes(20), TimeSpan.FromSeconds(5));

        PortSnapshot port = h.Port(0);

        Assert.Equal(100, port.SessionEnergyWh, 6);
        Assert.Equal(400, port.LifetimeEnergyWh, 6);
        Assert.Equal(300, Assert.Single(h.Sessions(0)).EnergyWh, 6);
    }
}
