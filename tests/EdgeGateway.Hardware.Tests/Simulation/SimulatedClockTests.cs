using EdgeGateway.Hardware.Simulation;

namespace EdgeGateway.Hardware.Tests.Simulation;

public sealed class SimulatedClockTests
{
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
