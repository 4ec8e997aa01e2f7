using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Protection;
using EdgeGateway.Simulation;

namespace EdgeGateway.Tests.Simulation;

/// <summary>断电续充 on the bus-level simulator: a stop, a journal in a data directory, a new runtime on it.</summary>
public sealed class SessionResumeOnSimulatedShedTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_clean_stop_and_a_restart_within_the_window_carry_the_session_on_with_the_relay_closed_again()
    {
        var start = new DateTimeOffset(2026, 11, 25, 19, 0, 0, SimulatedShed.ChinaStandardTime);
        string id;
        double energyAtStop;
        using (var before = new ShedHarness(start: start))
        {
            var journal = new SessionJournal(_dir, [], before.Runtime.Time, BootClock.None, () => before.Protection.Snapshot);
            before.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
            before.RunFor(TimeSpan.FromMinutes(2));
            Assert.True(before.RelayClosed("P1"));
            id = before.Port("P1").SessionId!;
            before.Runtime.Dispose();
            Assert.False(before.RelayClosed("P1"));
            foreach (GatewayEvent e in before.Events)
            {
                await journal.HandleAsync(e, CancellationToken.None);
            }

            energyAtStop = before.EventsOf<SessionSuspended>().Single().EnergyWh;
            Assert.InRange(energyAtStop, 5, 8); // about 200 W for two minutes
        }

        IReadOnlyList<JournalledSession> restored = SessionJournal.Load(_dir, out string? problem);
        Assert.Null(problem);
        using var after = new ShedHarness(start: start + TimeSpan.FromMinutes(2) + TimeSpan.FromMinutes(5), sessions: restored);
        after.Outlet("P1").Plug(new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
        Assert.Equal((Contracts.Ports.PortState.Charging, false), (after.Port("P1").State, after.RelayClosed("P1")));

        after.RunFor(TimeSpan.FromMinutes(1));

        Assert.True(after.RelayClosed("P1"));
        SessionResumed resumed = after.EventsOf<SessionResumed>().Single();
        Assert.Equal((id, energyAtStop), (resumed.SessionId, resumed.EnergyWh));
        Assert.InRange(resumed.Offline, TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(2));
        Assert.Equal(id, after.Port("P1").SessionId);
        Assert.InRange(after.Port("P1").SessionEnergyWh, energyAtStop + 2, energyAtStop + 5);
        Assert.Empty(after.EventsOf<SessionClosed>());
    }
}
