using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

/// <summary>Alarms whose condition comes and goes: one alarm, marked flapping, not one per cycle.</summary>
public sealed class AlarmFlappingTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly ShedSensorReadings VtFault = ShedHarness.Quiet with { VoltageFault = "vt reads 0 V" };

    /// <summary>The VT fails for a second, then reads for the rest of <paramref name="period"/> (its alarm clears 10 s in).</summary>
    private static void VtCycle(ShedHarness h, TimeSpan period)
    {
        h.Sensors(VtFault);
        h.Snapshot();
        for (TimeSpan t = Second; t < period; t += Second)
        {
            h.Advance(Second);
            h.Sensors(ShedHarness.Quiet);
            h.Snapshot();
        }

        h.Advance(Second);
    }

    private static GatewayEvent[] VtAlarmEvents(ShedHarness h, long after = 0) =>
        h.Events.After<GatewayEvent>(after).Where(e => e is AlarmRaised { Alarm.Source: "vt" } or AlarmCleared { Alarm.Source: "vt" }).ToArray();

    [Fact]
    public void A_sensor_fault_toggling_30_times_in_90_minutes_is_one_flapping_alarm_after_the_first_three_and_clears_once_after_the_hold()
    {
        var h = new ShedHarness();
        var period = TimeSpan.FromMinutes(3);

        for (int i = 0; i < 3; i++)
        {
            VtCycle(h, period);
        }

        // Three plain alarms, each raised and cleared.
        Assert.Equal(6, VtAlarmEvents(h).Length);
        long beforeFourth = h.Mark();
        VtCycle(h, period);

        // The fourth is raised, then — instead of its clear — raised again with the same id, marked flapping.
        GatewayEvent[] fourth = VtAlarmEvents(h, beforeFourth);
        Assert.Equal(2, fourth.Length);
        Alarm raised = Assert.IsType<AlarmRaised>(fourth[0]).Alarm;
        Alarm flapping = Assert.IsType<AlarmRaised>(fourth[1]).Alarm;
        Assert.False(raised.Flapping);
        Assert.True(flapping.Flapping);
        Assert.Equal(raised.Id, flapping.Id);
        Assert.Equal(flapping, h.ShedAlarm(AlarmKind.ShedSensorFault, "vt"));

        // 26 more cycles (30 in 90 min): nothing more is published, and the alarm stays raised throughout.
        long flappingSince = h.Mark();
        for (int i = 0; i < 26; i++)
        {
            VtCycle(h, period);
            Assert.Equal(flapping.Id, h.ShedAlarm(AlarmKind.ShedSensorFault, "vt")?.Id);
        }

        Assert.Empty(VtAlarmEvents(h, flappingSince));

        // The VT keeps reading: the alarm clears 10 min after the last fault had cleared (10 s after the fault).
        DateTimeOffset lastCleared = h.Now - period + TimeSpan.FromSeconds(11);
        for (int i = 0; i < 600; i++)
        {
            h.Sensors(ShedHarness.Quiet);
            h.Snapshot();
            h.Advance(Second);
        }

        AlarmCleared cleared = Assert.IsType<AlarmCleared>(Assert.Single(VtAlarmEvents(h, flappingSince)));
        Assert.Equal((flapping.Id, true), (cleared.Alarm.Id, cleared.Alarm.Flapping));
        Assert.Equal(lastCleared + TimeSpan.FromMinutes(10), cleared.At);
        Assert.Equal("sensor reads again (was flapping: raised 30 times, then clear for 10 min)", cleared.Reason);
        Assert.Null(h.ShedAlarm(AlarmKind.ShedSensorFault, "vt"));

        // 30 faults, four alarm ids, one notice-worthy alarm per id.
        Assert.Equal(4, h.Events.Raised(AlarmKind.ShedSensorFault).Select(a => a.Id).Distinct().Count());
        Assert.Equal(4, h.Events.Cleared(AlarmKind.ShedSensorFault).Count);
    }

    [Fact]
    public void A_fault_that_returns_every_eleven_minutes_raises_and_clears_every_time()
    {
        var h = new ShedHarness();
        for (int i = 0; i < 9; i++)
        {
            VtCycle(h, TimeSpan.FromMinutes(11));
        }

        Assert.Equal(9, h.Events.Raised(AlarmKind.ShedSensorFault).Count);
        Assert.Equal(9, h.Events.Cleared(AlarmKind.ShedSensorFault).Count);
        Assert.All(h.Events.All<AlarmRaised>(), r => Assert.False(r.Alarm.Flapping));
    }

    [Fact]
    public void Protection_acts_on_the_condition_while_the_alarm_flaps()
    {
        var h = new ShedHarness();
        for (int i = 0; i < 4; i++)
        {
            h.Smoke(true);
            h.Advance(Second);
            h.Smoke(true);
            Assert.True(h.Protection.ShedLockedOut);
            for (int s = 0; s < 60; s++)
            {
                h.Advance(Second);
                h.Smoke(false);
                h.Snapshot();
            }
        }

        // The smoke alarm is held raised as flapping, but the detector reads clear: ports may start again.
        Assert.True(h.ShedAlarm(AlarmKind.Smoke)?.Flapping);
        Assert.False(h.Protection.ShedLockedOut);
        h.Start(0);
    }

    [Fact]
    public void An_operator_reset_clears_a_flapping_port_alarm_at_once()
    {
        var h = new ShedHarness();
        for (int i = 0; i < 4; i++)
        {
            for (int f = 0; f < 3; f++)
            {
                h.Advance(Second);
                h.Measure(0, MeterReading.Failed("spi timeout"));
            }

            for (int s = 0; s < 11; s++)
            {
                h.Advance(Second);
                h.Draw(0, 0);
                h.Protection.OnRoundComplete();
            }
        }

        Alarm flapping = Assert.Single(h.Events.Raised(AlarmKind.PortSensorFault), a => a.Flapping);
        Assert.Equal(PortState.Idle, h.State(0));

        // Faulted again (the alarm stands, nothing published), then reset by an operator: one clear, with the reason.
        for (int f = 0; f < 3; f++)
        {
            h.Advance(Second);
            h.Measure(0, MeterReading.Failed("spi timeout"));
        }

        Assert.Equal(PortState.Fault, h.State(0));
        long mark = h.Mark();
        Assert.True(h.Send(PortCommandKind.Reset, 0, reason: "meter replaced").Accepted);

        AlarmCleared cleared = Assert.Single(h.Events.After<AlarmCleared>(mark));
        Assert.Equal((flapping.Id, true, "reset by operator:li: meter replaced"), (cleared.Alarm.Id, cleared.Alarm.Flapping, cleared.Reason));
        h.Advance(TimeSpan.FromMinutes(20));
        h.Draw(0, 0);
        Assert.Empty(h.Events.After<AlarmCleared>(mark).Skip(1));
        Assert.Null(h.PortAlarm(0, AlarmKind.PortSensorFault));
    }

    [Fact]
    public void The_site_files_policy_for_a_kind_applies_and_a_reload_changes_it()
    {
        var once = new AlarmFlapSettings
        {
            Kinds = new Dictionary<AlarmKind, AlarmFlapPolicy> { [AlarmKind.ShedSensorFault] = new(1, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1)) },
        };
        var h = new ShedHarness(new ShedProtectionSettings { AlarmFlapping = once });

        VtCycle(h, TimeSpan.FromMinutes(1));
        VtCycle(h, TimeSpan.FromMinutes(1));

        Assert.Equal([false, false, true], h.Events.Raised(AlarmKind.ShedSensorFault).Select(a => a.Flapping));
        Assert.Single(h.Events.Cleared(AlarmKind.ShedSensorFault));

        // The default again after a reload: the hold becomes 10 min, so the alarm is still held a minute on.
        Task reload = h.Protection.UpdateThresholdsAsync(new ShedProtectionSettings(), new Dictionary<string, PortProtectionSettings>());
        h.Protection.ProcessCommands();
        Assert.True(reload.IsCompletedSuccessfully);
        VtQuietFor(h, TimeSpan.FromMinutes(2));
        Assert.Single(h.Events.Cleared(AlarmKind.ShedSensorFault));
        VtQuietFor(h, TimeSpan.FromMinutes(8));
        Assert.Equal(2, h.Events.Cleared(AlarmKind.ShedSensorFault).Count);
    }

    private static void VtQuietFor(ShedHarness h, TimeSpan duration)
    {
        for (TimeSpan t = TimeSpan.Zero; t < duration; t += Second)
        {
            h.Sensors(ShedHarness.Quiet);
            h.Snapshot();
            h.Advance(Second);
        }
    }
}
