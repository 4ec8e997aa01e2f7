using EdgeGateway.Alarms;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Events;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Tests.Alarms;

/// <summary>The flap guard as pure logic, on monotonic time from a fake clock.</summary>
public sealed class AlarmFlapGuardTests
{
    private static readonly AlarmFlapPolicy Policy = AlarmFlapPolicy.Default;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero));
    private readonly long _origin;
    private readonly AlarmFlapGuard _guard = new();
    private int _ids;

    public AlarmFlapGuardTests() => _origin = _time.GetTimestamp();

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    private Alarm NewAlarm(string source = "bin:B1") =>
        new($"a{++_ids}", AlarmKind.BinSensorFault, AlarmSeverity.Major, source, null, null, null, _time.GetUtcNow(), "no two of 2 readings agree within 30 mm");

    /// <summary>One raise and, <paramref name="lasting"/> later, its clear; returns what the guard said to publish.</summary>
    private (Alarm Standing, bool RaisePublished, FlapVerdict Clear, Alarm? Flapping) Cycle(TimeSpan lasting, string source = "bin:B1")
    {
        Alarm standing = _guard.OnRaised(NewAlarm(source), Now, out bool published, out _);
        _time.Advance(lasting);
        FlapVerdict verdict = _guard.OnCleared(standing, "sensors read again", Now, out Alarm? flapping);
        return (standing, published, verdict, flapping);
    }

    [Fact]
    public void The_defaults_are_three_cycles_in_thirty_minutes_and_a_ten_minute_hold()
    {
        Assert.Equal(new AlarmFlapPolicy(3, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10)), Policy);
    }

    [Fact]
    public void An_alarm_that_comes_back_now_and_then_is_published_as_it_is()
    {
        // Twelve cycles, one every 11 minutes: never more than three raises in any 30 minutes.
        for (int i = 0; i < 12; i++)
        {
            (Alarm standing, bool raised, FlapVerdict clear, Alarm? flapping) = Cycle(TimeSpan.FromMinutes(3));
            Assert.True(raised);
            Assert.Equal(FlapVerdict.Publish, clear);
            Assert.Null(flapping);
            Assert.False(standing.Flapping);
            _time.Advance(TimeSpan.FromMinutes(8));
        }

        Assert.Empty(_guard.Held);
    }

    [Fact]
    public void The_fourth_cycle_in_the_window_keeps_the_alarm_raised_as_flapping_under_the_same_id()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(FlapVerdict.Publish, Cycle(TimeSpan.FromMinutes(2)).Clear);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        (Alarm fourth, bool raised, FlapVerdict verdict, Alarm? flapping) = Cycle(TimeSpan.FromMinutes(2));

        Assert.True(raised);
        Assert.Equal(FlapVerdict.StartedFlapping, verdict);
        Assert.NotNull(flapping);
        Assert.Equal((fourth.Id, fourth.Kind, fourth.Source, fourth.RaisedAt, true), (flapping.Id, flapping.Kind, flapping.Source, flapping.RaisedAt, flapping.Flapping));
        Assert.Contains("flapping: raised and cleared 4 times in 30 min", flapping.Detail, StringComparison.Ordinal);
        Assert.Same(flapping, Assert.Single(_guard.Held));
        Assert.True(_guard.IsFlapping(AlarmKind.BinSensorFault, "bin:B1"));
    }

    [Fact]
    public void While_flapping_the_condition_coming_and_going_publishes_nothing_and_one_clear_follows_the_hold()
    {
        Alarm? flapping = null;
        for (int i = 0; i < 4; i++)
        {
            flapping ??= Cycle(TimeSpan.FromMinutes(2)).Flapping;
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.NotNull(flapping);

        // 26 more cycles, one every 3 minutes: the held alarm stands for each raise, every clear is swallowed.
        for (int i = 0; i < 26; i++)
        {
            Alarm standing = _guard.OnRaised(NewAlarm(), Now, out bool published, out _);
            Assert.False(published);
            Assert.Same(flapping, standing);
            Assert.Empty(_guard.Settle(Now));
            _time.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal(FlapVerdict.Suppressed, _guard.OnCleared(standing, "sensors read again", Now, out Alarm? again));
            Assert.Null(again);
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.Empty(_guard.Settle(Now));
        }

        // Clear since the last cycle's clear, one minute ago: the hold runs out 9 minutes from now, not before.
        _time.Advance(TimeSpan.FromMinutes(9) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_guard.Settle(Now));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        (Alarm cleared, string reason) = Assert.Single(_guard.Settle(Now));

        Assert.Same(flapping, cleared);
        Assert.Equal("sensors read again (was flapping: raised 30 times, then clear for 10 min)", reason);
        Assert.Empty(_guard.Held);
        Assert.Empty(_guard.Settle(Now + TimeSpan.FromHours(1)));

    }

    [Fact]
    public void Back_within_the_window_after_a_flapping_alarm_cleared_an_alarm_flaps_from_its_raise_later_it_starts_afresh()
    {
        for (int i = 0; i < 4; i++)
        {
            Cycle(TimeSpan.FromMinutes(1));
        }

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Single(_guard.Settle(Now));

        // 20 min later (inside the 30 min window): one new alarm, raised and at once updated as flapping, held like the last.
        _time.Advance(TimeSpan.FromMinutes(20));
        Alarm candidate = NewAlarm();
        Alarm resumed = _guard.OnRaised(candidate, Now, out bool published, out Alarm? update);
        Assert.True(published);
        Assert.False(candidate.Flapping);
        Assert.Same(update, resumed);
        Assert.Equal((candidate.Id, true), (resumed.Id, resumed.Flapping));
        Assert.Contains("flapping: back within 30 min of a flapping alarm's clear", resumed.Detail, StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(FlapVerdict.Suppressed, _guard.OnCleared(resumed, "sensors read again", Now, out _));
        _time.Advance(TimeSpan.FromMinutes(10));
        (Alarm cleared, string reason) = Assert.Single(_guard.Settle(Now));
        Assert.Same(resumed, cleared);
        Assert.Equal("sensors read again (was flapping: raised once, then clear for 10 min)", reason);

        // More than 30 min after that clear: a plain alarm again, and three plain cycles before the next flapping.
        _time.Advance(TimeSpan.FromMinutes(31));
        for (int i = 0; i < 3; i++)
        {
            (Alarm standing, bool raised, FlapVerdict verdict, Alarm? _) = Cycle(TimeSpan.FromMinutes(1));
            Assert.Equal((true, false, FlapVerdict.Publish), (raised, standing.Flapping, verdict));
        }

        Assert.Equal(FlapVerdict.StartedFlapping, Cycle(TimeSpan.FromMinutes(1)).Clear);
    }

    [Fact]
    public void A_raise_during_the_hold_restarts_it()
    {
        for (int i = 0; i < 4; i++)
        {
            Cycle(TimeSpan.FromMinutes(1));
        }

        _time.Advance(TimeSpan.FromMinutes(9));
        Alarm standing = _guard.OnRaised(NewAlarm(), Now, out _, out _);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_guard.Settle(Now));
        _guard.OnCleared(standing, "sensors read again", Now, out _);
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(_guard.Settle(Now));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(_guard.Settle(Now));
    }

    [Fact]
    public void Kinds_and_sources_flap_on_their_own()
    {
        for (int i = 0; i < 4; i++)
        {
            Cycle(TimeSpan.FromMinutes(1), "bin:B1");
            Assert.Equal(FlapVerdict.Publish, Cycle(TimeSpan.FromMinutes(1), i % 2 == 0 ? "bin:B2" : "bin:B3").Clear);
        }

        Assert.Equal("bin:B1", Assert.Single(_guard.Held).Source);
    }

    [Fact]
    public void An_operator_clear_releases_a_flapping_alarm_and_its_history()
    {
        Alarm? flapping = null;
        for (int i = 0; i < 4; i++)
        {
            flapping ??= Cycle(TimeSpan.FromMinutes(1), "port:p1").Flapping;
        }

        Assert.Same(flapping, _guard.Release(AlarmKind.BinSensorFault, "port:p1"));
        Assert.Empty(_guard.Held);
        Assert.Null(_guard.Release(AlarmKind.BinSensorFault, "port:p1"));

        // Three more cycles are three plain alarms again.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(FlapVerdict.Publish, Cycle(TimeSpan.FromMinutes(1), "port:p1").Clear);
        }
    }

    [Fact]
    public void A_policy_per_kind_applies()
    {
        var guard = new AlarmFlapGuard(kind => kind == AlarmKind.BinSensorFault ? new AlarmFlapPolicy(1, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1)) : AlarmFlapPolicy.Default);
        Alarm first = guard.OnRaised(NewAlarm(), Now, out _, out _);
        Assert.Equal(FlapVerdict.Publish, guard.OnCleared(first, "ok", Now, out _));
        Alarm second = guard.OnRaised(NewAlarm(), Now, out _, out _);
        Assert.Equal(FlapVerdict.StartedFlapping, guard.OnCleared(second, "ok", Now, out _));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(guard.Settle(Now));
    }
}
