using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Incidents;
using EdgeGateway.Hub.Notifications;
using TestAlarms = EdgeGateway.Hub.Tests.Notifications.Alarms;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Hub.Tests.Incidents;

/// <summary>
/// The incident database: what survives a restart, one incident per alarm when two store instances (two connections,
/// as two hub instances on one host) race to open it, reopening, the gateway's clear, and which alarms open incidents
/// at all (the notification plan's rule).
/// </summary>
public sealed class IncidentStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
    private static readonly IncidentActor Manager = new("li", "manager", "acme");
    private static readonly IncidentActor Fixer = new("wang", "maintenance", "acme");

    private readonly string _dir = Directory.CreateTempSubdirectory("edgegateway-incidents-").FullName;
    private readonly FakeTimeProvider _time = new(Start);
    private readonly IncidentLifecycle _lifecycle;

    public IncidentStoreTests() => _lifecycle = new IncidentLifecycle(_time, TimeSpan.FromHours(24));

    private string DbPath => Path.Combine(_dir, "incidents.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Incidents_and_their_steps_survive_a_restart_and_a_redelivered_raise_adds_nothing()
    {
        AlarmMessage alarm = TestAlarms.Raised("alarm-1", "port_overload", AlarmSeverity.Major, site: "acme-site");
        using (var store = IncidentStore.Open(DbPath))
        {
            Assert.Equal(IncidentOpening.Opened, store.RecordRaise(alarm, "acme", _lifecycle));
            _time.Advance(TimeSpan.FromMinutes(2));
            Assert.Null(store.Apply(Key(alarm), i => _lifecycle.AcknowledgeBy(i, Manager, "seen"))!.Value.Decision.Refusal);
        }

        using (var store = IncidentStore.Open(DbPath))
        {
            Assert.Equal(IncidentOpening.Duplicate, store.RecordRaise(alarm, "acme", _lifecycle));
            Incident incident = store.Find(Key(alarm))!;
            Assert.Equal(IncidentState.Acknowledged, incident.State);
            Assert.Equal(("acme", "port_overload", "major", "port:p03"), (incident.Company, incident.Kind, incident.Severity, incident.Source));
            Assert.Equal(
                [(IncidentWire.Opened, Start, IncidentWire.System, (string?)null), (IncidentWire.Acknowledged, Start.AddMinutes(2), "li", "seen")],
                incident.Steps.Select(s => (s.Action, s.At, s.User, s.Comment)));
            Assert.Single(store.List(new IncidentFilter()));
        }
    }

    [Fact]
    public void The_steps_no_person_took_are_listed_for_the_audit_newest_first_and_the_steps_people_took_are_not()
    {
        AlarmMessage alarm = TestAlarms.Raised("alarm-1", "port_overload", AlarmSeverity.Major, site: "acme-site");
        using var store = IncidentStore.Open(DbPath);
        store.RecordRaise(alarm, "acme", _lifecycle);
        _time.Advance(TimeSpan.FromMinutes(1));
        store.Apply(Key(alarm), i => _lifecycle.AcknowledgeBy(i, Manager, null));
        store.Apply(Key(alarm), i => _lifecycle.AssignTo(i, Manager, "wang", Fixer, null));
        _time.Advance(TimeSpan.FromMinutes(1));
        store.Apply(Key(alarm), i => _lifecycle.ResolveBy(i, Fixer, "reset_port", null));
        _time.Advance(TimeSpan.FromMinutes(1));
        store.RecordClear("acme-site", alarm.Gateway, "alarm-1", Start.AddMinutes(3), _lifecycle);
        _time.Advance(TimeSpan.FromMinutes(1));
        AlarmMessage again = TestAlarms.Raised("alarm-2", "port_overload", AlarmSeverity.Major, site: "acme-site");
        Assert.Equal(IncidentOpening.Reopened, store.RecordRaise(again, "acme", _lifecycle));

        Assert.Equal(
            [(IncidentWire.Reopened, Start.AddMinutes(4), "alarm-2"), (IncidentWire.Closed, Start.AddMinutes(3), "alarm_cleared_and_resolved"),
             (IncidentWire.AlarmCleared, Start.AddMinutes(3), "alarm-1"), (IncidentWire.Opened, Start, (string?)null)],
            store.SystemSteps(10).Select(s => (s.Step.Action, s.Step.At, s.Step.Detail)));
        Assert.All(store.SystemSteps(10), s => Assert.Equal(Key(alarm), s.Incident));
        Assert.Equal(2, store.SystemSteps(2).Count);
    }

    [Fact]
    public async Task Two_store_instances_on_one_file_racing_to_open_the_same_alarms_make_one_incident_each()
    {
        using var first = IncidentStore.Open(DbPath);
        using var second = IncidentStore.Open(DbPath);
        AlarmMessage[] alarms = [.. Enumerable.Range(0, 40).Select(i => TestAlarms.Raised($"alarm-{i}", "smoke", AlarmSeverity.Critical, site: "acme-site", source: $"port:P{i:D2}"))];
        using var go = new ManualResetEventSlim();

        Task<IncidentOpening[]> Race(IncidentStore store) => Task.Run(() =>
        {
            go.Wait();
            return alarms.Select(a => store.RecordRaise(a, "acme", _lifecycle)).ToArray();
        });

        Task<IncidentOpening[]> a = Race(first);
        Task<IncidentOpening[]> b = Race(second);
        go.Set();
        IncidentOpening[][] outcomes = await Task.WhenAll(a, b);

        for (int i = 0; i < alarms.Length; i++)
        {
            Assert.Equal(
                [IncidentOpening.Opened, IncidentOpening.Duplicate],
                new[] { outcomes[0][i], outcomes[1][i] }.Order());
        }

        List<Incident> incidents = first.List(new IncidentFilter());
        Assert.Equal(alarms.Length, incidents.Count);
        Assert.All(incidents, i => Assert.Single(i.Steps));
    }

    [Fact]
    public void A_raise_of_the_same_kind_at_the_same_port_within_the_window_reopens_the_closed_incident_and_its_clear_counts()
    {
        using var store = IncidentStore.Open(DbPath);
        AlarmMessage first = TestAlarms.Raised("alarm-1", "port_overload", AlarmSeverity.Major, site: "acme-site");
        store.RecordRaise(first, "acme", _lifecycle);
        CloseByHand(store, Key(first));

        _time.Advance(TimeSpan.FromHours(2));
        AlarmMessage again = TestAlarms.Raised("alarm-2", "port_overload", AlarmSeverity.Major, site: "acme-site");
        AlarmMessage otherPort = TestAlarms.Raised("alarm-3", "port_overload", AlarmSeverity.Major, site: "acme-site", source: "port:p04");
        Assert.Equal(IncidentOpening.Reopened, store.RecordRaise(again, "acme", _lifecycle));
        Assert.Equal(IncidentOpening.Duplicate, store.RecordRaise(again, "acme", _lifecycle));
        Assert.Equal(IncidentOpening.Opened, store.RecordRaise(otherPort, "acme", _lifecycle));

        Incident reopened = store.Find(Key(first))!;
        Assert.Equal((IncidentState.Opened, "alarm-2", 1), (reopened.State, reopened.CurrentAlarmId, reopened.Reopenings));
        Assert.Null(store.Find(Key(again)));
        Assert.Equal(2, store.List(new IncidentFilter(OpenOnly: true)).Count);

        // The clear of the new alarm reaches the reopened incident.
        Assert.Single(store.RecordClear("acme-site", first.Gateway, "alarm-2", _time.GetUtcNow(), _lifecycle));
        Assert.NotNull(store.Find(Key(first))!.AlarmClearedAt);
    }

    [Fact]
    public void A_raise_after_the_window_opens_a_new_incident()
    {
        using var store = IncidentStore.Open(DbPath);
        AlarmMessage first = TestAlarms.Raised("alarm-1", "port_overload", AlarmSeverity.Major, site: "acme-site");
        store.RecordRaise(first, "acme", _lifecycle);
        CloseByHand(store, Key(first));

        _time.Advance(TimeSpan.FromHours(25));
        Assert.Equal(IncidentOpening.Opened, store.RecordRaise(TestAlarms.Raised("alarm-2", "port_overload", AlarmSeverity.Major, site: "acme-site"), "acme", _lifecycle));
        Assert.Equal(IncidentState.Closed, store.Find(Key(first))!.State);
    }

    [Fact]
    public void The_gateway_s_clear_is_recorded_once_and_closes_a_resolved_incident()
    {
        using var store = IncidentStore.Open(DbPath);
        AlarmMessage alarm = TestAlarms.Raised("alarm-1", "bin_fire", AlarmSeverity.Critical, site: "acme-site", source: "bin:B1");
        store.RecordRaise(alarm, "acme", _lifecycle);
        Resolve(store, Key(alarm));

        Assert.Equal(2, store.RecordClear("acme-site", alarm.Gateway, "alarm-1", Start.AddMinutes(9), _lifecycle).Count);
        Assert.Empty(store.RecordClear("acme-site", alarm.Gateway, "alarm-1", Start.AddMinutes(9), _lifecycle));
        Assert.Empty(store.RecordClear("acme-site", alarm.Gateway, "no-such-alarm", Start, _lifecycle));
        Incident incident = store.Find(Key(alarm))!;
        Assert.Equal((IncidentState.Closed, Start.AddMinutes(9)), (incident.State, incident.AlarmClearedAt));
    }

    [Fact]
    public void Lists_filter_by_sites_state_and_assignee()
    {
        using var store = IncidentStore.Open(DbPath);
        AlarmMessage ours = TestAlarms.Raised("alarm-1", "smoke", AlarmSeverity.Critical, site: "acme-site");
        AlarmMessage theirs = TestAlarms.Raised("alarm-2", "smoke", AlarmSeverity.Critical, site: "beta-site");
        store.RecordRaise(ours, "acme", _lifecycle);
        store.RecordRaise(theirs, "beta", _lifecycle);
        store.Apply(Key(ours), i => _lifecycle.AcknowledgeBy(i, Manager, null));
        store.Apply(Key(ours), i => _lifecycle.AssignTo(i, Manager, "wang", Fixer, null));

        Assert.Equal(["alarm-1"], store.List(new IncidentFilter(Sites: ["acme-site"])).Select(i => i.Key.AlarmId));
        Assert.Empty(store.List(new IncidentFilter(Sites: [])));
        Assert.Equal(["alarm-1"], store.List(new IncidentFilter(Assignee: "WANG")).Select(i => i.Key.AlarmId));
        Assert.Equal(["alarm-2"], store.List(new IncidentFilter(State: IncidentState.Opened)).Select(i => i.Key.AlarmId));
    }

    [Fact]
    public async Task The_recorder_opens_incidents_for_notifiable_alarms_only_after_the_ledger_and_marks_their_clear()
    {
        using ServiceProvider metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = new NotificationOptions { LedgerPath = Path.Combine(_dir, "notifications.db") };
        using var notifier = new AlarmNotifier(Options.Create(options), _time, metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), NullLogger<AlarmNotifier>.Instance);
        using var store = IncidentStore.Open(DbPath);
        var recorder = new IncidentRecorder(notifier, store, _lifecycle, NullLogger<IncidentRecorder>.Instance);

        AlarmMessage overload = TestAlarms.Raised("alarm-1", "port_overload", AlarmSeverity.Major, site: "acme-site");
        await recorder.RecordAsync(overload, CancellationToken.None);
        await recorder.RecordAsync(overload, CancellationToken.None);
        await recorder.RecordAsync(TestAlarms.Raised("alarm-2", "port_overload", AlarmSeverity.Warning, site: "acme-site"), CancellationToken.None);
        await recorder.RecordAsync(TestAlarms.Raised("alarm-3", "port_no_load", AlarmSeverity.Critical, site: "acme-site"), CancellationToken.None);
        await recorder.RecordAsync(TestAlarms.Cleared(overload, Start.AddMinutes(1)), CancellationToken.None);

        Incident incident = Assert.Single(store.List(new IncidentFilter()));
        Assert.Equal(("alarm-1", IncidentState.Opened, Start.AddMinutes(1)), (incident.Key.AlarmId, incident.State, incident.AlarmClearedAt));
    }

    private static IncidentKey Key(AlarmMessage alarm) => new(alarm.Site, alarm.Gateway, alarm.AlarmId);

    private void Resolve(IncidentStore store, IncidentKey key)
    {
        Assert.Null(store.Apply(key, i => _lifecycle.AcknowledgeBy(i, Manager, null))!.Value.Decision.Refusal);
        Assert.Null(store.Apply(key, i => _lifecycle.AssignTo(i, Manager, "wang", Fixer, null))!.Value.Decision.Refusal);
        Assert.Null(store.Apply(key, i => _lifecycle.ResolveBy(i, Fixer, "reset_port", null))!.Value.Decision.Refusal);
    }

    private void CloseByHand(IncidentStore store, IncidentKey key)
    {
        Resolve(store, key);
        Assert.Null(store.Apply(key, i => _lifecycle.CloseBy(i, Manager, null))!.Value.Decision.Refusal);
    }
}
