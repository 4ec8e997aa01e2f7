using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Notifications;
using EdgeGateway.Hub.WebConsole.Store;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>
/// An alarm id names an alarm only within the gateway that raised it: the notification ledger and the console's
/// acknowledgement store key by site, gateway and alarm id, so a gateway using another site's alarm id (a forged clear, a
/// collision) gets its own notifications and acknowledgements and never cancels the other site's. Files written by
/// hubs that keyed by alarm id alone are upgraded without losing a row.
/// </summary>
public sealed class AlarmKeyedByGatewayTests : IDisposable
{
    private static readonly DateTimeOffset Now = NotificationRig.Start;
    private readonly string _directory = Directory.CreateTempSubdirectory("alarm-key-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static NewJob[] Jobs(AlarmMessage alarm) =>
        [new("ops", alarm.Event == AlarmEvent.Raised ? NoticeKind.Raised : NoticeKind.Cleared, Now), .. alarm.Event == AlarmEvent.Raised ? [new NewJob("ops", NoticeKind.Reminder, Now.AddMinutes(15))] : Array.Empty<NewJob>()];

    private static RecordOutcome Record(NotificationLedger ledger, AlarmMessage alarm) =>
        ledger.Record(alarm, ContractJson.SerializeToString(alarm), Jobs(alarm), Now);

    [Fact]
    public void Two_gateways_using_one_alarm_id_get_separate_notifications_and_a_clear_or_ack_of_one_leaves_the_others_reminder()
    {
        using var ledger = NotificationLedger.Open(PathOf("notifications.db"));
        AlarmMessage smokeA = Alarms.Raised("alm-smoke-1", "smoke", AlarmSeverity.Critical, site: "site-a", gateway: "gw-a", source: "smoke");
        AlarmMessage sameIdB = smokeA with { Site = "site-b", Gateway = "gw-b", Seq = 7 };

        Assert.False(Record(ledger, smokeA).Duplicate);
        Assert.False(Record(ledger, sameIdB).Duplicate); // not a redelivery of site-a's raise
        Assert.Equal(["gw-a", "gw-a", "gw-b", "gw-b"], ledger.Jobs("alm-smoke-1").Select(job => job.Gateway));

        // site-b clears "its" alarm of that id: only site-b's reminder is cancelled.
        Record(ledger, Alarms.Cleared(sameIdB, Now.AddMinutes(1), "forged"));
        Assert.Equal(JobState.Pending, Reminder(ledger, "gw-a").State);
        Assert.Equal(JobState.Cancelled, Reminder(ledger, "gw-b").State);
        Assert.Equal(2, ledger.Jobs("alm-smoke-1").Count(job => job.Notice == NoticeKind.Raised));

        // An acknowledgement names its gateway too.
        AlarmMessage otherC = smokeA with { Site = "site-c", Gateway = "gw-c", Seq = 9 };
        Record(ledger, otherC);
        Assert.Equal(0, ledger.Acknowledge("site-b", "gw-b", "alm-smoke-1", "wang", Now.AddMinutes(2), Now.AddMinutes(2)));
        Assert.Equal(1, ledger.Acknowledge("site-c", "gw-c", "alm-smoke-1", "wang", Now.AddMinutes(2), Now.AddMinutes(2)));
        Assert.Equal(JobState.Pending, Reminder(ledger, "gw-a").State);
        Assert.Equal(0, ledger.Clear("site-x", "gw-a", "alm-smoke-1", Now.AddMinutes(3), Now.AddMinutes(3)));
        Assert.Equal(JobState.Pending, Reminder(ledger, "gw-a").State);
    }

    private static LedgerJob Reminder(NotificationLedger ledger, string gateway) =>
        ledger.Jobs("alm-smoke-1").Single(job => job.Notice == NoticeKind.Reminder && job.Gateway == gateway);

    [Fact]
    public void Two_gateways_using_one_alarm_id_are_acknowledged_separately_in_the_console_store()
    {
        using var store = ConsoleStore.Open(PathOf("console.db"));
        var ackA = new AlarmAck("alm-smoke-1", "site-a", "gw-a", "wang", "maintenance", Now, null);
        AlarmAck ackB = ackA with { Site = "site-b", Gateway = "gw-b", User = "li", At = Now.AddMinutes(1) };

        Assert.True(store.TryAcknowledge(ackA));
        Assert.True(store.TryAcknowledge(ackB));
        Assert.False(store.TryAcknowledge(ackA with { User = "zhao" }));

        Assert.Equal("wang", store.FindAck("site-a", "gw-a", "alm-smoke-1")!.User);
        Assert.Equal("li", store.FindAck("site-b", "gw-b", "alm-smoke-1")!.User);
        Assert.Null(store.FindAck("site-c", "gw-c", "alm-smoke-1"));
        store.Withdraw(ackB);
        Assert.Null(store.FindAck("site-b", "gw-b", "alm-smoke-1"));
        Assert.NotNull(store.FindAck("site-a", "gw-a", "alm-smoke-1"));
    }

    [Fact]
    public void A_ledger_of_schema_version_2_is_upgraded_with_every_row_under_its_alarms_site_and_gateway()
    {
        AlarmMessage raised = Alarms.Raised("alm-0001", site: "site-a", gateway: "gw-a");
        AlarmMessage cleared = Alarms.Cleared(Alarms.Raised("alm-0002", site: "site-b", gateway: "gw-b"), Now.AddMinutes(1));
        Write(PathOf("notifications.db"), $"""
            CREATE TABLE alarm_event (alarm_id TEXT NOT NULL, event INTEGER NOT NULL, alarm TEXT NOT NULL, recorded_ms INTEGER NOT NULL,
                PRIMARY KEY (alarm_id, event)) WITHOUT ROWID;
            CREATE TABLE alarm_state (alarm_id TEXT PRIMARY KEY, acknowledged_ms INTEGER, acknowledged_by TEXT, cleared_ms INTEGER,
                updated_ms INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE job (id INTEGER PRIMARY KEY, alarm_id TEXT NOT NULL, event INTEGER NOT NULL, notice INTEGER NOT NULL,
                channel TEXT NOT NULL, state INTEGER NOT NULL, due_ms INTEGER NOT NULL, next_ms INTEGER NOT NULL, attempts INTEGER NOT NULL,
                last_error TEXT, done_ms INTEGER, sending_ms INTEGER, interrupted INTEGER NOT NULL DEFAULT 0, UNIQUE (alarm_id, notice, channel));
            CREATE INDEX job_pending ON job (channel, id) WHERE state = 0;
            INSERT INTO alarm_event VALUES ('alm-0001', 0, $raised, 0), ('alm-0002', 1, $cleared, 0);
            INSERT INTO alarm_state VALUES ('alm-0002', NULL, NULL, 60000, 60000), ('alm-gone', 1000, 'wang', NULL, 1000);
            INSERT INTO job (alarm_id, event, notice, channel, state, due_ms, next_ms, attempts, last_error, interrupted)
                VALUES ('alm-0001', 0, 0, 'ops', 0, 0, 0, 2, 'HTTP 502', 1), ('alm-0001', 0, 2, 'ops', 0, 900000, 900000, 0, NULL, 0),
                       ('alm-0002', 1, 1, 'ops', 1, 0, 0, 1, NULL, 0);
            PRAGMA application_id = {NotificationLedger.ApplicationId}; PRAGMA user_version = 2;
            """, ("$raised", ContractJson.SerializeToString(raised)), ("$cleared", ContractJson.SerializeToString(cleared)));

        using var ledger = NotificationLedger.Open(PathOf("notifications.db"));

        Assert.Equal(
            [(1L, "site-a", "gw-a", "alm-0001", NoticeKind.Raised, JobState.Pending, 2, 1), (2L, "site-a", "gw-a", "alm-0001", NoticeKind.Reminder, JobState.Pending, 0, 0),
             (3L, "site-b", "gw-b", "alm-0002", NoticeKind.Cleared, JobState.Sent, 1, 0)],
            ledger.Jobs().Select(j => (j.Id, j.Site, j.Gateway, j.AlarmId, j.Notice, j.State, j.Attempts, j.Interrupted)));
        Assert.Equal(2, ledger.PendingCount);
        Assert.Equal("alm-0001", ledger.Ready("ops", Now, 1).Single().AlarmId);
        Assert.True(Record(ledger, raised).Duplicate); // the recorded event kept its key
        Assert.Equal(1, ledger.Acknowledge("site-a", "gw-a", "alm-0001", "wang", Now, Now)); // the reminder is found under its gateway
        Assert.Equal(3, Count(PathOf("notifications.db"), "SELECT COUNT(*) FROM alarm_state;", ledger));
    }

    [Fact]
    public void A_console_store_of_schema_version_1_is_upgraded_with_every_acknowledgement_kept()
    {
        Write(PathOf("console.db"), $"""
            CREATE TABLE alarm_ack (alarm_id TEXT PRIMARY KEY, site TEXT NOT NULL, gateway TEXT NOT NULL, user_name TEXT NOT NULL, role TEXT,
                acknowledged_ms INTEGER NOT NULL, comment TEXT) WITHOUT ROWID;
            CREATE TABLE audit (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, user_name TEXT NOT NULL, role TEXT, action TEXT NOT NULL,
                target TEXT, detail TEXT, result TEXT NOT NULL);
            INSERT INTO alarm_ack VALUES ('alm-1', 'site-a', 'gw-a', 'wang', 'maintenance', 1000, 'checked'), ('alm-2', 'site-b', 'gw-b', 'li', NULL, 2000, NULL);
            INSERT INTO audit VALUES (1, 1000, 'wang', 'maintenance', 'alarm_ack', 'site-a/gw-a/smoke', 'smoke alm-1', 'ok');
            PRAGMA application_id = {ConsoleStore.ApplicationId}; PRAGMA user_version = 1;
            """);

        using var store = ConsoleStore.Open(PathOf("console.db"));

        Assert.Equal(new AlarmAck("alm-1", "site-a", "gw-a", "wang", "maintenance", DateTimeOffset.FromUnixTimeMilliseconds(1000), "checked"), store.FindAck("site-a", "gw-a", "alm-1"));
        Assert.Equal("li", store.FindAck("site-b", "gw-b", "alm-2")!.User);
        Assert.Single(store.RecentAudit(10));
        Assert.True(store.TryAcknowledge(new AlarmAck("alm-1", "site-c", "gw-c", "zhao", null, Now, null))); // the same id elsewhere
    }

    [Fact]
    public void A_console_store_of_schema_version_2_keeps_its_acknowledgements_and_then_records_display_names()
    {
        Write(PathOf("console.db"), $"""
            CREATE TABLE alarm_ack (alarm_id TEXT NOT NULL, site TEXT NOT NULL, gateway TEXT NOT NULL, user_name TEXT NOT NULL, role TEXT,
                acknowledged_ms INTEGER NOT NULL, comment TEXT, PRIMARY KEY (site, gateway, alarm_id)) WITHOUT ROWID;
            CREATE TABLE audit (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, user_name TEXT NOT NULL, role TEXT, action TEXT NOT NULL,
                target TEXT, detail TEXT, result TEXT NOT NULL);
            INSERT INTO alarm_ack VALUES ('alm-1', 'site-a', 'gw-a', 'manager', 'manager', 1000, 'checked');
            PRAGMA application_id = {ConsoleStore.ApplicationId}; PRAGMA user_version = 2;
            """);

        using var store = ConsoleStore.Open(PathOf("console.db"));

        AlarmAck before = store.FindAck("site-a", "gw-a", "alm-1")!;
        Assert.Equal(("manager", null, "manager"), (before.User, before.DisplayName, before.ShownName)); // shown as the login it has
        Assert.True(store.TryAcknowledge(new AlarmAck("alm-2", "site-a", "gw-a", "manager", "manager", Now, null, "张经理")));
        AlarmAck after = store.FindAck("site-a", "gw-a", "alm-2")!;
        Assert.Equal(("manager", "张经理", "张经理"), (after.User, after.DisplayName, after.ShownName));
    }

    private static void Write(string path, string sql, params (string Name, string Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, string value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>Counts rows of the ledger's file through the ledger's own lock-holding connection's view: the ledger holds
    /// the file exclusively, so the count is read after closing it.</summary>
    private static long Count(string path, string sql, NotificationLedger ledger)
    {
        ledger.Dispose();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
