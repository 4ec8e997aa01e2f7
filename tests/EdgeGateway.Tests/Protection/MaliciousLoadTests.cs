using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

public sealed class MaliciousLoadTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(500);

    [Fact]
    public void Resistive_load_at_pf_0_97_and_200_W_flat_within_3_percent_for_5_s_trips_as_malicious_load()
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Start(1);

        // 200 W and 205 W alternate: 2.5 % apart, at exactly the minimum power factor and power.
        for (int i = 0; i < 10; i++)
        {
            h.Draw(0, i % 2 == 0 ? 200 : 205, 0.97);
            h.Draw(1, 120);
            h.Advance(Step);
        }

        // T0 + 5 s: the window is full.
        Assert.Equal(PortState.Charging, h.State(0));
        long mark = h.Mark();
        h.Draw(0, 200, 0.97);

        RelayWrite open = Assert.Single(h.Relays.WritesAfter(mark));
        Assert.Equal((0, false), (open.Port, open.Closed));
        SessionClosed closed = Assert.Single(h.Events.After<SessionClosed>(mark));
        Assert.Equal(SessionEndReason.MaliciousLoad, closed.Session.EndReason);
        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Alarm alarm = raised.Alarm;
        Assert.Equal((AlarmKind.PortMaliciousLoad, AlarmSeverity.Major, "port:p1", 0.97, 0.97, (string?)null), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Value, alarm.Threshold, alarm.Unit));
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromSeconds(5), alarm.RaisedAt);
        Assert.True(open.Sequence < h.Events.SequenceOf(closed));
        Assert.True(h.Events.SequenceOf(closed) < h.Events.SequenceOf(raised));
        PortSnapshot port = h.Port(0);
        Assert.Equal((PortState.Disabled, "port_malicious_load"), (port.State, port.Lockout));
        Assert.True(h.Relays.IsClosed(1));
        Assert.Equal(new CommandResult(false, "locked out by port_malicious_load: needs port_reset"), h.Send(PortCommandKind.Start, 0));
    }

    [Fact]
    public void Kettle_at_pf_1_and_900_W_trips_after_the_window_and_not_before()
    {
        var h = new ShedHarness();
        h.Start(0);

        h.Draw(0, 900, 1.0);
        h.DrawFor(0, 900, TimeSpan.FromMilliseconds(4900), TimeSpan.FromMilliseconds(100), 1.0);
        Assert.Equal(PortState.Charging, h.State(0));
        h.Advance(TimeSpan.FromMilliseconds(100));
        h.Draw(0, 900, 1.0);

        Assert.Equal(PortState.Disabled, h.State(0));
        Assert.Equal(1.0, Assert.Single(h.Events.Raised(AlarmKind.PortMaliciousLoad)).Value);
    }

    [Fact]
    public void Charger_like_load_with_power_factor_0_6_never_trips_however_flat()
    {
        var h = new ShedHarness();
        h.Start(0);

        h.DrawFor(0, 600, TimeSpan.FromMinutes(10), Step, 0.6);

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortMaliciousLoad));
        Assert.Empty(h.Events.All<SessionClosed>());
    }

    [Theory]
    [InlineData(0.969, 600)]
    [InlineData(1.0, 199)]
    public void Flat_draw_just_below_the_power_factor_or_power_minimum_never_trips(double powerFactor, double watts)
    {
        var h = new ShedHarness();
        h.Start(0);

        h.DrawFor(0, watts, TimeSpan.FromMinutes(1), Step, powerFactor);

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortMaliciousLoad));
    }

    [Fact]
    public void Draw_that_varies_more_than_3_percent_restarts_the_window()
    {
        var h = new ShedHarness();
        h.Start(0);

        // T0 .. T0+4.0 s at 500 W: the window starts at T0.
        for (int i = 0; i < 9; i++)
        {
            h.Draw(0, 500, 0.99);
            h.Advance(Step);
        }

        // T0+4.5 s: 520 W is 3.9 % above the window's minimum: the window restarts here.
        h.Draw(0, 520, 0.99);
        h.Advance(Step);

        // T0+5.0 s: would have tripped without the restart.
        h.Draw(0, 520, 0.99);
        Assert.Equal(PortState.Charging, h.State(0));

        // The new window (T0+4.5 s) is full at T0+9.5 s.
        h.DrawFor(0, 520, TimeSpan.FromSeconds(4), Step, 0.99);
        Assert.Equal(PortState.Charging, h.State(0));
        h.Advance(Step);
        h.Draw(0, 520, 0.99);

        Assert.Equal(PortState.Disabled, h.State(0));
        Assert.Equal(ShedHarness.T0 + TimeSpan.FromSeconds(9.5), Assert.Single(h.Events.Raised(AlarmKind.PortMaliciousLoad)).RaisedAt);
    }

    [Fact]
    public void Load_that_keeps_varying_more_than_3_percent_never_trips()
    {
        var h = new ShedHarness();
        h.Start(0);

        for (int i = 0; i < 600; i++)
        {
            h.Draw(0, i % 2 == 0 ? 500 : 520, 1.0);
            h.Advance(Step);
        }

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortMaliciousLoad));
    }

    [Fact]
    public void DC_port_never_trips_as_malicious_load_even_with_a_flat_draw_reported_at_power_factor_1()
    {
        PortProtectionPlan[] plans = new[] { new PortProtectionPlan("p1", new PortProtectionSettings(), IsAc: false) };
        var h = new ShedHarness(null, plans);
        h.Start(0);

        // 480 W at 48 V, jittering by 0.1 V so the meter is not taken for stuck.
        for (int i = 0; i < 240; i++)
        {
            h.Measure(0, MeterReading.Ok(Meter.Dc(480, 48 + (i % 2 * 0.1), powerFactor: 1.0)));
            h.Advance(Step);
        }

        Assert.Equal(PortState.Charging, h.State(0));
        Assert.Empty(h.Events.Raised(AlarmKind.PortMaliciousLoad));
    }
}
