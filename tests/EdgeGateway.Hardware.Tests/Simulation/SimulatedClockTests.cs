using EdgeGateway.Hardware.Simulation;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedClockTests
{
    [Fact]
    public void An_advance_stops_at_each_scheduled_instant_runs_it_there_and_goes_on()
    {
        var clock = new SimulatedClock(DateTimeOffset.UnixEpoch);
        var seen = new List<(string What, TimeSpan At)>();
        clock.ScheduleAt(TimeSpan.FromMilliseconds(30), () => seen.Add(("b", clock.Elapsed)));
        clock.ScheduleAt(TimeSpan.FromMilliseconds(10), () =>
        {
            seen.Add(("a", clock.Elapsed));

            // An action may schedule another inside the same advance.
            clock.ScheduleAt(TimeSpan.FromMilliseconds(20), () => seen.Add(("a2", clock.Elapsed)));
        });
        clock.ScheduleAt(TimeSpan.FromMilliseconds(30), () => seen.Add(("c", clock.Elapsed)));
        clock.ScheduleAt(TimeSpan.FromMilliseconds(90), () => seen.Add(("later", clock.Elapsed)));

        clock.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal(
            [("a", TimeSpan.FromMilliseconds(10)), ("a2", TimeSpan.FromMilliseconds(20)), ("b", TimeSpan.FromMilliseconds(30)), ("c", TimeSpan.FromMilliseconds(30))],
            seen);
        Assert.Equal(TimeSpan.FromMilliseconds(50), clock.Elapsed);

        // An instant already passed runs at the next advance; one not reached stays waiting.
        clock.ScheduleAt(TimeSpan.FromMilliseconds(40), () => seen.Add(("late", clock.Elapsed)));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(("late", TimeSpan.FromMilliseconds(50)), seen[^1]);
        Assert.Equal(TimeSpan.FromMilliseconds(51), clock.Elapsed);
    }

    [Fact]
    public async Task Before_anyone_owns_it_every_thread_moves_time()
    {
        var clock = new SimulatedClock(DateTimeOffset.UnixEpoch);

        clock.Advance(TimeSpan.FromMilliseconds(5));
        await Task.Run(() => clock.Advance(TimeSpan.FromMilliseconds(7)));

        Assert.Equal(TimeSpan.FromMilliseconds(12), clock.Elapsed);
    }

    [Fact]
    public void Once_owned_only_the_owner_moves_time_and_others_see_it()
    {
        var clock = new SimulatedClock(DateTimeOffset.UnixEpoch);
        using var owned = new ManualResetEventSlim();
        using var advanced = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        var owner = new Thread(() =>
        {
            clock.OwnAdvances();
            owned.Set();
            clock.Advance(TimeSpan.FromSeconds(1));
            advanced.Set();
            done.Wait();
        });
        owner.Start();
        owned.Wait();
        advanced.Wait();

        // A bin transfer on another thread overlaps the owner's time: it adds none of its own.
        clock.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(TimeSpan.FromSeconds(1), clock.Elapsed);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), clock.GetUtcNow());
        done.Set();
        owner.Join();
    }
}
