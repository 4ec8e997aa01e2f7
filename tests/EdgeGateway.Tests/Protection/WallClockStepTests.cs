using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;

namespace EdgeGateway.Tests.Protection;

/// <summary>
/// A board without a real-time clock steps its wall clock when NTP first synchronises (hours forward) or when a bad
/// saved time is corrected (back): protection measures every duration on monotonic time, so neither step changes a
/// decision, an energy or a duration.
/// </summary>
public sealed class WallClockStepTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    [Theory]
    [InlineData(-1)]
    [InlineData(+1)]
    public void An_overload_trips_500_ms_after_onset_whichever_way_the_wall_clock_steps_during_its_debounce(int hours)
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 1200);

        h.DrawFor(0, 1200, TimeSpan.FromMilliseconds(200), Tick);
        h.StepWallClock(TimeSpan.FromHours(hours));
        h.DrawFor(0, 1200, TimeSpan.FromMilliseconds(200), Tick);
        PortState at400Ms = h.State(0);
        h.DrawFor(0, 1200, Tick, Tick);

        Assert.Equal(PortState.Charging, at400Ms);
        Assert.NotEqual(PortState.Charging, h.State(0));
        Assert.False(h.Relays.IsClosed(0));
        Assert.Single(h.Events.Raised(AlarmKind.PortOverload));
    }

    [Theory]
    [InlineData(+10)]
    [InlineData(-10)]
    public void A_session_across_a_step_of_hours_keeps_charging_and_counts_the_energy_it_drew(int hours)
    {
        ChargingSession stepped = Session(h => h.StepWallClock(TimeSpan.FromHours(hours)));
        ChargingSession steady = Session(_ => { });

        // Stopped by the user: not ended at the 8 h maximum by a forward step.
        Assert.Equal(SessionEndReason.UserStop, stepped.EndReason);
        Assert.Equal(steady.EnergyWh, stepped.EnergyWh, 9);
        Assert.InRange(stepped.EnergyWh, 1.6, 1.7); // 300 W for 20 s
    }

    [Fact]
    public void A_forward_step_does_not_clear_an_alarm_before_the_conditions_have_held_for_AlarmClearAfter()
    {
        var h = new ShedHarness();
        h.Temperature(62);
        h.Advance(TimeSpan.FromSeconds(1));
        h.Temperature(50);

        h.StepWallClock(TimeSpan.FromHours(1));
        h.Advance(TimeSpan.FromSeconds(1));
        h.Temperature(50);
        bool clearedAfterTwoSeconds = h.Events.Cleared(AlarmKind.OverTemperature).Count > 0;
        for (int i = 0; i < 10; i++)
        {
            h.Advance(TimeSpan.FromSeconds(1));
            h.Temperature(50);
        }

        Assert.False(clearedAfterTwoSeconds);
        Assert.Single(h.Events.Cleared(AlarmKind.OverTemperature));
    }

    /// <summary>A 300 W session of 20 s in 100 ms readings, the wall clock stepped (or not) after 10 s; then stopped.</summary>
    private static ChargingSession Session(Action<ShedHarness> midway)
    {
        var h = new ShedHarness();
        h.Start(0);
        h.Draw(0, 300);
        h.DrawFor(0, 300, TimeSpan.FromSeconds(10), Tick);
        midway(h);
        h.DrawFor(0, 300, TimeSpan.FromSeconds(10), Tick);
        Assert.Equal(PortState.Charging, h.State(0));
        Assert.True(h.Send(PortCommandKind.Stop, 0).Accepted);
        return Assert.Single(h.Sessions(0));
    }
}
