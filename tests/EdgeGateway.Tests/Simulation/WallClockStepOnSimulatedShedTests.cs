using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;

namespace EdgeGateway.Tests.Simulation;

/// <summary>
/// A scenario's <c>clock: step</c> on the simulated shed: the Pi's wall clock jumps (NTP's first synchronisation, a
/// manual set) while monotonic time and the shed itself run on. Protection, measured end to end through the simulated
/// chips, must not notice: trips, session limits, energies and alarm clearing are all durations.
/// </summary>
public sealed class WallClockStepOnSimulatedShedTests
{
    [Fact]
    public void An_overload_still_trips_500_ms_after_onset_in_shed_time_when_the_wall_clock_steps_back_an_hour_during_its_debounce()
    {
        using var shed = new ShedHarness(scenarioYaml: """
            events:
              - at: "00:00:01"
                port: P2
                plug: { load: kettle, powerW: 1500 }
              - at: "00:00:01.2"
                clock: { step: "-01:00:00" }
            """);
        TimeSpan? onset = null;
        TimeSpan offsetAtOnset = default;
        TimeSpan tripped;
        while (true)
        {
            TimeSpan roundStart = shed.Now;
            Assert.True(roundStart < TimeSpan.FromSeconds(10), "the overload did not trip within 10 s of shed time");

            // The step plays at its own instant, which may fall in the idle end of the onset's round: the offset the
            // onset's reading saw is the one at its round's start.
            TimeSpan offsetAtRoundStart = shed.Shed.Clock.WallOffset;
            shed.Round();
            if (onset is null && shed.Port("P2").PowerW > 1000)
            {
                (onset, offsetAtOnset) = (roundStart, offsetAtRoundStart);
            }

            if (shed.Port("P2").State == PortState.Disabled)
            {
                tripped = roundStart;
                break;
            }
        }

        // The step came inside the debounce: after the first reading over the limit, before the trip.
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromHours(-1)), (offsetAtOnset, shed.Shed.Clock.WallOffset));
        Assert.InRange(tripped - onset!.Value, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000));
        Alarm alarm = shed.RaisedAlarm(AlarmKind.PortOverload, "port:P2");
        Assert.InRange(alarm.Value!.Value, 1400, 1600);

        // It is stamped on the (stepped) wall clock: stamps are what the wall clock is for.
        Assert.InRange(shed.Shed.Clock.TrueNow - alarm.RaisedAt, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public void A_session_across_a_forward_step_of_ten_hours_keeps_charging_and_counts_only_the_energy_it_drew()
    {
        // The harness ends a session after 0.05 h (3 min) of charging: a wall clock 10 h ahead must not end it.
        using var shed = new ShedHarness(scenarioYaml: """
            events:
              - at: "00:00:01"
                port: P1
                plug: { load: lithium, powerW: 300, stateOfCharge: 0.3, capacityWh: 720 }
              - at: "00:01:00"
                clock: { step: "10:00:00" }
            """);

        shed.RunFor(TimeSpan.FromMinutes(2));

        Assert.Equal(TimeSpan.FromHours(10), shed.Shed.Clock.WallOffset);
        PortSnapshot p1 = shed.Port("P1");
        Assert.Equal(PortState.Charging, p1.State);
        Assert.Empty(shed.EventsOf<SessionClosed>());

        // What the meter counted is what the charger drew in its two minutes (about 10 Wh), not ten hours of it.
        double drawn = shed.Outlet("P1").DeliveredWh;
        Assert.InRange(drawn, 7, 11);
        Assert.InRange(p1.SessionEnergyWh, drawn * 0.97, drawn * 1.03);
    }

    [Fact]
    public void A_forward_step_does_not_clear_the_smoke_alarm_before_the_detector_has_been_quiet_for_alarmClearSeconds()
    {
        // The harness's alarmClearSeconds is 5. The detector goes quiet at 3 s; the clock jumps an hour at 4 s.
        using var shed = new ShedHarness(scenarioYaml: """
            events:
              - at: "00:00:01"
                shed: { smoke: true }
              - at: "00:00:03"
                shed: { smoke: false }
              - at: "00:00:04"
                clock: { step: "01:00:00" }
            """);
        TimeSpan cleared;
        while (true)
        {
            TimeSpan roundStart = shed.Now;
            Assert.True(roundStart < TimeSpan.FromSeconds(30), "the smoke alarm did not clear within 30 s of shed time");
            shed.Round();
            if (shed.EventsOf<AlarmCleared>().Any(e => e.Alarm.Kind == AlarmKind.Smoke))
            {
                cleared = roundStart;
                break;
            }
        }

        Assert.True(shed.HasAlarm(AlarmKind.Smoke, "shed"), "the smoke alarm was raised");
        Assert.Equal(TimeSpan.FromHours(1), shed.Shed.Clock.WallOffset);
        Assert.InRange(cleared, TimeSpan.FromSeconds(3 + 5), TimeSpan.FromSeconds(3 + 5 + 1));
    }
}
