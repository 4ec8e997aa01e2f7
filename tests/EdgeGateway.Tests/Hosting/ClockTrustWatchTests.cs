using EdgeGateway.Events;
using EdgeGateway.Hosting;
using EdgeGateway.Protection;
using EdgeGateway.Tests.Protection;
using EdgeGateway.Timekeeping;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Tests.Hosting;

public sealed class ClockTrustWatchTests
{
    /// <summary>Synchronised from the given look on (timesyncd creating its flag file).</summary>
    private sealed class SynchronisesAt(int look) : ClockSync
    {
        public int Looks { get; private set; }

        public override bool IsSynchronized() => ++Looks >= look;
    }

    [Fact]
    public async Task Once_the_clock_synchronises_the_held_session_is_measured_and_resumes()
    {
        var h = new ShedHarness();
        h.Protection.ResumeSessions([(new JournalledSession("s-held", "p1", h.Now - TimeSpan.FromMinutes(30), 80, 300, h.Now - TimeSpan.FromMinutes(2), null, null), null)], outageAwaitsClock: true);
        var sync = new SynchronisesAt(3);
        var polls = new FakeTimeProvider();
        using var watch = new ClockTrustWatch(h.Protection, sync, polls, NullLogger<ClockTrustWatch>.Instance);

        await watch.StartAsync(CancellationToken.None);
        while (sync.Looks < 3)
        {
            polls.Advance(ClockTrustWatch.Period);
            await Task.Delay(10);
        }

        await watch.ExecuteTask!;
        h.Protection.ProcessCommands();
        h.Draw(0, 0);
        h.Sensors(ShedHarness.Quiet);
        h.Protection.OnRoundComplete();

        SessionResumed resumed = Assert.Single(h.Events.All<SessionResumed>());
        Assert.Equal(("s-held", TimeSpan.FromMinutes(2)), (resumed.SessionId, resumed.Offline));
        Assert.True(h.Relays.IsClosed(0));
    }
}
