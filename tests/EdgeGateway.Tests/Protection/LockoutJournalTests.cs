using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Events;
using EdgeGateway.Hardware.Simulation.Shed;
using EdgeGateway.Protection;
using SimulatedShed = EdgeGateway.Tests.Simulation.ShedHarness;

namespace EdgeGateway.Tests.Protection;

public sealed class LockoutJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-lockouts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Port_locked_out_before_a_restart_is_still_locked_out_after_it_and_reset_clears_the_same_alarm()
    {
        Alarm overload;
        using (var before = new SimulatedShed())
        {
            var journal = new LockoutJournal(_dir, []);
            before.PlugAndStart("P2", new EBikeCharger(BatteryChemistry.LeadAcid, 1500, 0.2, 1000));
            before.PlugAndStart("P1", new EBikeCharger(BatteryChemistry.Lithium, 200, 0.3, 720));
            before.RunUntil(() => before.Port("P2").State == PortState.Disabled, TimeSpan.FromSeconds(10), "overload trip");
            foreach (GatewayEvent e in before.Events)
            {
                await journal.HandleAsync(e, CancellationToken.None);
            }

            overload = before.RaisedAlarm(AlarmKind.PortOverload, "port:P2");
        }

        IReadOnlyList<Alarm> restored = LockoutJournal.Load(_dir, out string? problem);
        Assert.Null(problem);
        Assert.Equal([overload], restored);

        using var after = new SimulatedShed(lockouts: restored);
        Assert.Equal((PortState.Disabled, "port_overload"), (after.Port("P2").State, after.Port("P2").Lockout));
        Assert.Equal(PortState.Idle, after.Port("P1").State);
        Assert.Empty(after.EventsOf<AlarmRaised>());

        Task<CommandResult> start = after.Command(PortCommandKind.Start, "P2");
        Task<CommandResult> reset = after.Command(PortCommandKind.Reset, "P2", "maintenance-wang", "modified charger confiscated");
        after.Round();

        Assert.False((await start).Accepted);
        Assert.True((await reset).Accepted);
        Assert.Equal(overload.Id, after.EventsOf<AlarmCleared>().Single().Alarm.Id);
    }

    [Fact]
    public async Task Reset_removes_the_lockout_from_the_journal()
    {
        var journal = new LockoutJournal(_dir, []);
        var alarm = new Alarm("a1", AlarmKind.PortShortCircuit, AlarmSeverity.Critical, "port:P3", 49.5, 40, "A", DateTimeOffset.UnixEpoch, "short");

        await journal.HandleAsync(new AlarmRaised(DateTimeOffset.UnixEpoch, alarm), CancellationToken.None);
        Assert.Single(LockoutJournal.Load(_dir, out _));
        await journal.HandleAsync(new AlarmCleared(DateTimeOffset.UnixEpoch, alarm, "reset"), CancellationToken.None);

        Assert.Empty(LockoutJournal.Load(_dir, out _));
    }

    [Fact]
    public async Task Only_port_lockouts_are_kept_not_self_clearing_alarms()
    {
        var journal = new LockoutJournal(_dir, []);
        await journal.HandleAsync(new AlarmRaised(DateTimeOffset.UnixEpoch, new Alarm("s", AlarmKind.Smoke, AlarmSeverity.Critical, "shed", null, null, null, DateTimeOffset.UnixEpoch, "smoke")), CancellationToken.None);
        await journal.HandleAsync(new AlarmRaised(DateTimeOffset.UnixEpoch, new Alarm("n", AlarmKind.PortNoLoad, AlarmSeverity.Info, "port:P1", 0, 5, "W", DateTimeOffset.UnixEpoch, "no load")), CancellationToken.None);

        Assert.False(File.Exists(Path.Combine(_dir, LockoutJournal.FileName)));
    }

    [Fact]
    public void Unreadable_journal_is_moved_aside_and_reported_not_fatal()
    {
        File.WriteAllText(Path.Combine(_dir, LockoutJournal.FileName), "{ torn write");

        IReadOnlyList<Alarm> restored = LockoutJournal.Load(_dir, out string? problem);

        Assert.Empty(restored);
        Assert.Contains("moved to", problem, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, LockoutJournal.FileName)));
        Assert.Single(Directory.GetFiles(_dir, LockoutJournal.FileName + ".corrupt-*"));
    }
}
