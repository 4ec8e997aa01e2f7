using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Metering;

namespace EdgeGateway.Tests.Protection;

/// <summary>Sessions cut by smoke or over-temperature, offered back when the alarm clears where the site allows it.</summary>
public sealed class ShedAlarmResumeTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>One round a second later: each port's reading, the shed's sensors, the end of the round.</summary>
    private static void Round(ShedHarness h, double celsius, bool smoke, params double[] watts)
    {
        h.Advance(Second);
        for (int i = 0; i < watts.Length; i++)
        {
            h.Draw(i, watts[i]);
        }

        h.Sensors(ShedHarness.Quiet with { MaxTemperatureC = celsius, Smoke = smoke });
        h.Protection.OnRoundComplete();
    }

    private static void Rounds(ShedHarness h, int count, double celsius, bool smoke, params double[] watts)
    {
        for (int k = 0; k < count; k++)
        {
            Round(h, celsius, smoke, watts);
        }
    }

    [Fact]
    public void Sessions_cut_by_over_temperature_resume_with_their_ids_once_the_alarm_clears_when_the_site_allows_it()
    {
        var h = new ShedHarness(new ShedProtectionSettings { ResumeAfterOverTemperature = true });
        h.Start(0);
        h.Start(1);
        Rounds(h, 60, 25, false, 150, 120, 0);
        string[] ids = [h.Port(0).SessionId!, h.Port(1).SessionId!];
        long cut = h.Mark();

        Round(h, 65, false, 150, 120, 0);
        double energy0 = h.Port(0).SessionEnergyWh;

        Assert.False(h.Relays.IsClosed(0));
        Assert.False(h.Relays.IsClosed(1));
        Assert.Empty(h.Events.All<SessionClosed>());
        Assert.Equal(ids, h.Events.After<SessionSuspended>(cut).Select(s => s.SessionId));
        Assert.Equal(PortState.Charging, h.State(0));

        // While the cabinet is hot, and while it cools for the alarm's clearing time, nothing closes.
        Rounds(h, 30, 65, false, 0, 0, 0);
        Rounds(h, 10, 50, false, 0, 0, 0);
        Assert.DoesNotContain(h.Relays.WritesAfter(cut), w => w.Closed);
        Assert.Empty(h.Events.All<SessionResumed>());

        Round(h, 50, false, 0, 0, 0);

        Assert.NotEmpty(h.Events.Cleared(AlarmKind.OverTemperature));
        Assert.True(h.Relays.IsClosed(0));
        Assert.True(h.Relays.IsClosed(1));
        Assert.False(h.Relays.IsClosed(2));
        IReadOnlyList<SessionResumed> resumed = h.Events.All<SessionResumed>();
        Assert.Equal(ids, resumed.Select(r => r.SessionId));
        Assert.All(resumed, r => Assert.Equal(TimeSpan.FromSeconds(41), r.Offline));
        Assert.Equal(energy0, resumed[0].EnergyWh, precision: 9);

        // Energy continues from where it was cut; the paused 41 s added nothing.
        Rounds(h, 36, 25, false, 100, 100, 0);
        h.Send(PortCommandKind.Stop, 0);
        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal((ids[0], SessionEndReason.UserStop), (session.Id, session.EndReason));
        Assert.Equal(energy0 + 1, session.EnergyWh, precision: 6);
    }

    [Fact]
    public void By_default_sessions_cut_by_smoke_end_and_are_not_offered_back()
    {
        var h = new ShedHarness();
        h.Start(0);
        Rounds(h, 10, 25, false, 150);

        Rounds(h, 2, 25, true, 150);
        Rounds(h, 30, 25, false, 0);

        Assert.Equal(SessionEndReason.Smoke, Assert.Single(h.Sessions(0)).EndReason);
        Assert.Empty(h.Events.All<SessionResumed>());
        Assert.Empty(h.Events.All<SessionSuspended>());
        Assert.False(h.Relays.IsClosed(0));
        Assert.Equal(PortState.Idle, h.State(0));
    }

    [Fact]
    public void A_port_that_went_into_fault_during_the_smoke_alarm_is_not_resumed_the_others_are()
    {
        var h = new ShedHarness(new ShedProtectionSettings { ResumeAfterSmoke = true });
        h.Start(0);
        h.Start(1);
        Rounds(h, 10, 25, false, 150, 150);
        Rounds(h, 2, 25, true, 150, 150);
        long cut = h.Mark();

        // Port 2's meter fails three reads running while the smoke is there: its session ends as a sensor fault.
        for (int k = 0; k < 3; k++)
        {
            h.Advance(Second);
            h.Draw(0, 0);
            h.Measure(1, MeterReading.Failed("adc0 channel 2: no answer"));
            h.Sensors(ShedHarness.Quiet with { Smoke = true });
            h.Protection.OnRoundComplete();
        }

        Assert.Equal(SessionEndReason.SensorFault, Assert.Single(h.Sessions(1)).EndReason);
        Rounds(h, 30, 25, false, 0, 0);

        Assert.True(h.Relays.IsClosed(0));
        Assert.Equal(h.Port(0).SessionId, Assert.Single(h.Events.All<SessionResumed>()).SessionId);
        Assert.DoesNotContain(h.Relays.WritesAfter(cut), w => w.Port == 1 && w.Closed);
        Assert.Null(h.Port(1).SessionId);
    }

    [Fact]
    public void A_session_whose_alarm_outlasts_the_window_ends_with_the_alarms_reason_at_its_cut()
    {
        var h = new ShedHarness(new ShedProtectionSettings { ResumeAfterOverTemperature = true, ResumeAfterShedAlarmWindow = TimeSpan.FromMinutes(2) });
        h.Start(0);
        Rounds(h, 10, 25, false, 150);
        Round(h, 65, false, 150);
        DateTimeOffset cutAt = h.Now;

        Rounds(h, 120, 65, false, 0);
        Assert.Empty(h.Sessions(0));
        Round(h, 65, false, 0);

        ChargingSession session = Assert.Single(h.Sessions(0));
        Assert.Equal((SessionEndReason.OverTemperature, cutAt), (session.EndReason, session.EndedAt));
        Assert.Equal(PortState.Idle, h.State(0));

        Rounds(h, 30, 25, false, 0);
        Assert.Empty(h.Events.All<SessionResumed>());
        Assert.False(h.Relays.IsClosed(0));
    }
}
