using EdgeGateway.Events;
using EdgeGateway.Protection;

namespace EdgeGateway.Tests.Protection;

public sealed class SessionJournalTests : IDisposable
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-sessions-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SessionJournal JournalOf(ShedHarness h, IEnumerable<JournalledSession>? restored = null, BootClock? boot = null) =>
        new(_dir, restored ?? [], h.Time, boot ?? BootClock.None, () => h.Protection.Snapshot);

    private static async Task Feed(SessionJournal journal, ShedHarness h, long after = 0)
    {
        foreach (RecordedEvent e in h.Events.Entries.Where(e => e.Sequence > after))
        {
            await journal.HandleAsync(e.Event, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_session_killed_mid_charge_resumes_after_the_restart_with_its_id_and_the_energy_of_the_last_write()
    {
        var before = new ShedHarness();
        SessionJournal journal = JournalOf(before);
        before.Start(1);
        before.DrawFor(1, 360, TimeSpan.FromSeconds(20), Second);
        string id = before.Snapshot().Ports[1].SessionId!;
        await Feed(journal, before);
        await journal.WriteEnergyAsync(CancellationToken.None);

        // Ten more seconds of charge that no write saw: a crash loses them, never more than one energy period.
        before.DrawFor(1, 360, TimeSpan.FromSeconds(10), Second);

        IReadOnlyList<JournalledSession> restored = SessionJournal.Load(_dir, out string? problem);
        Assert.Null(problem);
        JournalledSession saved = Assert.Single(restored);
        Assert.Equal((id, "p2", 2.0, 360.0), (saved.Id, saved.PortId, Math.Round(saved.EnergyWh, 6), saved.PeakPowerW));
        Assert.Equal(before.Now - TimeSpan.FromSeconds(10), saved.WrittenAt);

        var after = new ShedHarness();
        after.Advance(TimeSpan.FromMinutes(2));
        after.Protection.ResumeSessions(restored.Select(s => (s, SessionJournal.OutageOf(s, after.Now, BootClock.None))));
        after.Draw(1, 0);
        after.Sensors(ShedHarness.Quiet);
        after.Protection.OnRoundComplete();

        SessionResumed resumed = Assert.Single(after.Events.All<SessionResumed>());
        Assert.Equal((id, 2.0), (resumed.SessionId, Math.Round(resumed.EnergyWh, 6)));
        Assert.True(after.Relays.IsClosed(1));
    }

    [Fact]
    public async Task A_closed_session_leaves_the_journal_and_never_comes_back_from_a_later_snapshot()
    {
        var h = new ShedHarness();
        SessionJournal journal = JournalOf(h);
        h.Start(0);
        h.DrawFor(0, 200, TimeSpan.FromSeconds(5), Second);
        ShedSnapshot whileCharging = h.Snapshot();
        await Feed(journal, h);
        Assert.Single(SessionJournal.Load(_dir, out _));

        long mark = h.Mark();
        h.Send(PortCommandKind.Stop, 0);
        await Feed(journal, h, mark);
        Assert.Empty(SessionJournal.Load(_dir, out _));

        // A snapshot taken before the stop, read after it, must not bring the session back.
        var stale = new SessionJournal(_dir, [], h.Time, BootClock.None, () => whileCharging);
        await stale.WriteEnergyAsync(CancellationToken.None);
        Assert.Empty(SessionJournal.Load(_dir, out _));
    }

    [Fact]
    public async Task A_clean_stop_keeps_the_session_marked_stopped_with_its_final_energy()
    {
        var h = new ShedHarness();
        SessionJournal journal = JournalOf(h);
        h.Start(0);
        h.DrawFor(0, 360, TimeSpan.FromSeconds(10), Second);
        h.Protection.SuspendAll();
        await Feed(journal, h);
        await journal.WriteEnergyAsync(CancellationToken.None);

        JournalledSession saved = Assert.Single(SessionJournal.Load(_dir, out _));
        Assert.Equal((1.0, (DateTimeOffset?)h.Now), (Math.Round(saved.EnergyWh, 6), saved.StoppedAt));
    }

    [Fact]
    public void A_corrupt_journal_is_moved_aside_and_reported_and_nothing_resumes()
    {
        File.WriteAllText(Path.Combine(_dir, SessionJournal.FileName), "[{ torn write");

        IReadOnlyList<JournalledSession> restored = SessionJournal.Load(_dir, out string? problem);

        Assert.Empty(restored);
        Assert.Contains("could not be read", problem, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, SessionJournal.FileName)));
        Assert.Single(Directory.GetFiles(_dir, SessionJournal.FileName + ".corrupt-*"));
    }

    [Fact]
    public void A_journal_entry_without_a_port_is_corrupt_too()
    {
        File.WriteAllText(Path.Combine(_dir, SessionJournal.FileName), """[{"id":"s1","started_at":"2026-01-01T00:00:00+00:00","energy_wh":1,"peak_power_w":1,"written_at":"2026-01-01T00:00:00+00:00"}]""");

        Assert.Empty(SessionJournal.Load(_dir, out string? problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void Within_one_boot_the_outage_is_measured_on_the_machine_clock_whatever_the_wall_clock_did()
    {
        var written = new JournalledSession("s", "p1", ShedHarness.T0, 1, 1, ShedHarness.T0, "boot-a", 1_000_000);
        var sameBoot = new BootClock("boot-a", () => 1_000_000 + 90_000);

        // The wall clock stepped back an hour during the restart: the machine clock still says 90 s.
        Assert.Equal(TimeSpan.FromSeconds(90), SessionJournal.OutageOf(written, ShedHarness.T0 - TimeSpan.FromHours(1), sameBoot));
    }

    [Fact]
    public void Across_boots_the_wall_clock_measures_the_outage_and_a_clock_behind_the_last_write_measures_nothing()
    {
        var written = new JournalledSession("s", "p1", ShedHarness.T0, 1, 1, ShedHarness.T0, "boot-a", 1_000_000);
        var newBoot = new BootClock("boot-b", () => 20_000);

        Assert.Equal(TimeSpan.FromMinutes(4), SessionJournal.OutageOf(written, ShedHarness.T0 + TimeSpan.FromMinutes(4), newBoot));
        Assert.Null(SessionJournal.OutageOf(written, ShedHarness.T0 - TimeSpan.FromMinutes(30), newBoot));
        Assert.Equal(TimeSpan.FromMinutes(4), SessionJournal.OutageOf(written, ShedHarness.T0 + TimeSpan.FromMinutes(4), BootClock.None));
    }

    [Fact]
    public void A_wall_clock_neither_synchronised_nor_set_from_an_RTC_measures_no_outage_across_boots_but_the_machine_clock_still_does_within_one()
    {
        var written = new JournalledSession("s", "p1", ShedHarness.T0, 1, 1, ShedHarness.T0, "boot-a", 1_000_000);

        // After a power cut a Pi without an RTC boots on fake-hwclock's saved time: four minutes after the write may be days.
        Assert.Null(SessionJournal.OutageOf(written, ShedHarness.T0 + TimeSpan.FromMinutes(4), new BootClock("boot-b", () => 20_000), wallClockTrusted: false));
        Assert.Equal(TimeSpan.FromSeconds(90), SessionJournal.OutageOf(written, ShedHarness.T0 + TimeSpan.FromMinutes(4), new BootClock("boot-a", () => 1_000_000 + 90_000), wallClockTrusted: false));
    }
}
