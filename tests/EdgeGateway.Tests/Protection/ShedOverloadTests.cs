using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

public sealed class ShedOverloadTests
{
    private static readonly TimeSpan Half = TimeSpan.FromMilliseconds(500);

    private static readonly ShedProtectionSettings Shed2000 = new() { MaxPowerW = 2000, OverloadDebounce = TimeSpan.FromSeconds(1), AlarmClearAfter = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// Four ports, started in the order p3, p1, p4, p2 one minute apart (so start order differs from index
    /// order); the clock is left at T0+3 min.
    /// </summary>
    private static ShedHarness FourSessions()
    {
        var h = new ShedHarness(Shed2000, ports: 4);
        foreach (int index in new[] { 2, 0, 3 })
        {
            h.Start(index);
            h.Advance(TimeSpan.FromMinutes(1));
        }

        h.Start(1);
        return h;
    }

    [Fact]
    public void Shed_total_above_the_limit_for_the_debounce_cuts_the_newest_sessions_first_until_under_the_limit()
    {
        ShedHarness h = FourSessions();
        DateTimeOffset t = h.Now;

        // p1 800 + p2 300 + p3 900 + p4 500 = 2500 W.
        h.Round(800, 300, 900, 500);
        h.Advance(Half);
        h.Round(800, 300, 900, 500);
        Assert.Empty(h.Events.All<SessionClosed>());
        h.Advance(Half);
        long mark = h.Mark();

        // The cut happens on p1's measurement at t+1 s; p2 and p4 then read nothing.
        h.Round(800, 0, 900, 0);

        // Newest first: p2 (started t), then p4 (t-1 min) → 1700 W; p1 and p3 keep charging.
        Assert.Equal([(1, false), (3, false)], h.Relays.WritesAfter(mark).Select(w => (w.Port, w.Closed)));
        Assert.Equal(["p2", "p4"], h.Events.After<SessionClosed>(mark).Select(c => c.Session.PortId));
        Assert.All(h.Events.After<SessionClosed>(mark), c => Assert.Equal(SessionEndReason.ShedOverload, c.Session.EndReason));
        Assert.True(h.Relays.IsClosed(0));
        Assert.True(h.Relays.IsClosed(2));

        AlarmRaised raised = Assert.Single(h.Events.After<AlarmRaised>(mark));
        Alarm alarm = raised.Alarm;
        Assert.Equal((AlarmKind.ShedOverload, AlarmSeverity.Major, "shed", 2500d, 2000d, "W"), (alarm.Kind, alarm.Severity, alarm.Source, alarm.Value, alarm.Threshold, alarm.Unit));
        Assert.Equal(t + TimeSpan.FromSeconds(1), alarm.RaisedAt);
        Assert.True(h.Relays.WritesAfter(mark)[^1].Sequence < h.Events.SequenceOf(raised));

        ShedSnapshot snapshot = h.Snapshot();
        Assert.Equal([PortState.Charging, PortState.Idle, PortState.Charging, PortState.Idle], snapshot.Ports.Select(p => p.State));
        Assert.Equal(1700, snapshot.TotalPowerW);
        Assert.Equal(alarm, Assert.Single(snapshot.ActiveAlarms));
    }

    [Fact]
    public void Shed_overload_shorter_than_the_debounce_cuts_nothing_and_a_dip_restarts_the_debounce()
    {
        ShedHarness h = FourSessions();
        DateTimeOffset t = h.Now;

        h.Round(800, 300, 900, 300);    // t: 2300 W, over
        h.Advance(Half);
        h.Round(800, 300, 900, 300);    // t+0.5: over
        h.Advance(Half);
        h.Round(500, 300, 900, 300);    // t+1.0: exactly at the limit (2000 W): the debounce is forgotten
        h.Advance(Half);
        h.Round(800, 300, 900, 300);    // t+1.5: over again
        h.Advance(Half);
        h.Round(800, 300, 900, 300);    // t+2.0: only 0.5 s over
        Assert.Empty(h.Events.All<SessionClosed>());
        Assert.Empty(h.Events.Raised(AlarmKind.ShedOverload));
        h.Advance(Half);

        h.Round(800, 0, 900, 300);      // t+2.5: p2 cut on p1's measurement, which brings the shed to exactly its limit

        ChargingSession cut = Assert.Single(h.Events.All<SessionClosed>()).Session;
        Assert.Equal(("p2", t + TimeSpan.FromSeconds(2.5)), (cut.PortId, cut.EndedAt));
        Assert.Equal(2300, Assert.Single(h.Events.Raised(AlarmKind.ShedOverload)).Value);
        Assert.Equal([true, false, true, true], h.Snapshot().Ports.Select(p => p.RelayClosed));
    }

    [Fact]
    public void Shed_overload_refuses_starts_while_raised_and_clears_after_AlarmClearAfter_under_the_limit()
    {
        ShedHarness h = FourSessions();
        DateTimeOffset t = h.Now;
        h.Round(800, 300, 900, 500);
        h.Advance(Half);
        h.Round(800, 300, 900, 500);
        h.Advance(Half);
        h.Round(800, 0, 900, 0);        // t+1 s: cut; under the limit from here
        Alarm alarm = Assert.Single(h.Events.Raised(AlarmKind.ShedOverload));

        Assert.Equal(new CommandResult(false, "shed at its power limit: try again later"), h.Send(PortCommandKind.Start, 1));

        // Under the limit since t+1 s: still raised at t+10.5 s.
        while (h.Now < t + TimeSpan.FromSeconds(10.5))
        {
            h.Advance(Half);
            h.Round(800, 0, 900, 0);
        }

        Assert.Empty(h.Events.Cleared(AlarmKind.ShedOverload));
        Assert.Equal(new CommandResult(false, "shed at its power limit: try again later"), h.Send(PortCommandKind.Start, 3));
        h.Advance(Half);
        h.Round(800, 0, 900, 0);        // t+11 s

        AlarmCleared cleared = Assert.Single(h.Events.Cleared(AlarmKind.ShedOverload));
        Assert.Equal((alarm.Id, t + TimeSpan.FromSeconds(11), "shed power back under its limit"), (cleared.Alarm.Id, cleared.At, cleared.Reason));
        Assert.Null(h.ShedAlarm(AlarmKind.ShedOverload));
        Assert.True(h.Send(PortCommandKind.Start, 1) is { Accepted: true, Message: "charging", SessionId: not null });
    }

    [Fact]
    public void Shed_overload_above_the_limit_again_while_clearing_restarts_the_clear_time()
    {
        ShedHarness h = FourSessions();
        DateTimeOffset t = h.Now;
        h.Round(800, 300, 900, 500);
        h.Advance(Half);
        h.Round(800, 300, 900, 500);
        h.Advance(Half);
        h.Round(800, 0, 900, 0);        // t+1 s: cut to 1700 W

        h.Advance(TimeSpan.FromSeconds(5));
        h.Round(800, 0, 900, 0);        // t+6 s: under, clearing since t+1 s
        h.Advance(Half);
        h.Round(1000, 0, 1000, 0);      // t+6.5 s: 2000 W at the limit is still under it
        h.Advance(Half);
        h.Draw(0, 1000);
        h.Draw(2, 1001);                // t+7 s: 2001 W, over but within the debounce
        h.Advance(Half);
        h.Round(800, 0, 900, 0);        // t+7.5 s: under again, clearing restarts

        h.Advance(TimeSpan.FromSeconds(9.5));
        h.Round(800, 0, 900, 0);        // t+17 s: 9.5 s under
        Assert.Empty(h.Events.Cleared(AlarmKind.ShedOverload));
        h.Advance(Half);
        h.Round(800, 0, 900, 0);        // t+17.5 s: 10 s under

        Assert.Equal(t + TimeSpan.FromSeconds(17.5), Assert.Single(h.Events.Cleared(AlarmKind.ShedOverload)).At);
        Assert.Equal(2, h.Events.All<SessionClosed>().Count);
    }

    [Fact]
    public void Shed_overload_that_recurs_while_its_alarm_is_still_raised_cuts_again_but_raises_the_alarm_only_once()
    {
        var h = new ShedHarness(Shed2000 with { MaxPowerW = 1500 });
        h.Start(0);
        h.Advance(TimeSpan.FromMinutes(1));
        h.Start(1);
        h.Advance(TimeSpan.FromMinutes(1));
        h.Start(2);
        DateTimeOffset t = h.Now;

        h.Round(700, 700, 700);         // t: 2100 W
        h.Advance(Half);
        h.Round(700, 700, 700);
        h.Advance(Half);
        h.Round(700, 700, 0);           // t+1 s: p3 cut → 1400 W
        Alarm first = Assert.Single(h.Events.Raised(AlarmKind.ShedOverload));

        // The two remaining chargers ramp up before the alarm has cleared: 1600 W.
        h.Advance(TimeSpan.FromSeconds(2));
        h.Round(800, 800, 0);           // t+3 s
        h.Advance(TimeSpan.FromSeconds(1));
        h.Round(800, 0, 0);             // t+4 s: p2 cut → 800 W

        Assert.Equal(["p3", "p2"], h.Events.All<SessionClosed>().Select(c => c.Session.PortId));
        Assert.Equal(first, Assert.Single(h.Events.Raised(AlarmKind.ShedOverload)));

        h.Advance(TimeSpan.FromSeconds(10));
        h.Round(800, 0, 0);
        h.Advance(Half);
        h.Round(800, 0, 0);
        Assert.Equal(first.Id, Assert.Single(h.Events.Cleared(AlarmKind.ShedOverload)).Alarm.Id);
        Assert.Empty(h.ActiveAlarms());
    }
}
