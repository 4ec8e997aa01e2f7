using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Hub.Notifications;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Tests.Notifications;

/// <summary>The ledger's own guarantees across a close: what was under way, and files of the previous schema.</summary>
public sealed class NotificationLedgerTests : IDisposable
{
    private static readonly DateTimeOffset Now = NotificationRig.Start;
    private readonly string _directory = Directory.CreateTempSubdirectory("ledger-").FullName;

    private string LedgerPath => Path.Combine(_directory, "notifications.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_job_under_way_when_the_ledger_closed_is_reported_once_as_interrupted_and_stays_pending()
    {
        long id;
        using (var ledger = NotificationLedger.Open(LedgerPath))
        {
            Record(ledger, "alm-0001", "ops");
            Record(ledger, "alm-0002", "ops");
            id = ledger.Jobs("alm-0001")[0].Id;
            ledger.MarkSending(id, Now.AddSeconds(1));
            Assert.Empty(ledger.InterruptedAtOpen);
        }

        using (var reopened = NotificationLedger.Open(LedgerPath))
        {
            InterruptedJob interrupted = Assert.Single(reopened.InterruptedAtOpen);
            Assert.Equal(new InterruptedJob(id, "alm-0001", NoticeKind.Raised, "ops", Now.AddSeconds(1)), interrupted);
            LedgerJob job = Assert.Single(reopened.Jobs("alm-0001"));
            Assert.Equal((JobState.Pending, 1), (job.State, job.Interrupted));
            Assert.Equal(0, Assert.Single(reopened.Jobs("alm-0002")).Interrupted);
            Assert.Equal(2, reopened.PendingCount);
            Assert.Equal(id, reopened.Ready("ops", Now.AddSeconds(2), 1).Single().Id);
        }

        using var third = NotificationLedger.Open(LedgerPath);
        Assert.Empty(third.InterruptedAtOpen);
        Assert.Equal(1, Assert.Single(third.Jobs("alm-0001")).Interrupted);
    }

    [Fact]
    public void An_attempt_that_ended_sent_or_failed_is_not_reported_as_interrupted()
    {
        using (var ledger = NotificationLedger.Open(LedgerPath))
        {
            Record(ledger, "alm-0001", "ops");
            Record(ledger, "alm-0002", "ops");
            long sent = ledger.Jobs("alm-0001")[0].Id;
            long failed = ledger.Jobs("alm-0002")[0].Id;
            ledger.MarkSending(sent, Now);
            ledger.MarkSent(sent, Now.AddSeconds(1));
            ledger.MarkSending(failed, Now);
            ledger.MarkFailed(failed, 1, Now.AddSeconds(5), "HTTP 502");
        }

        using var reopened = NotificationLedger.Open(LedgerPath);
        Assert.Empty(reopened.InterruptedAtOpen);
        Assert.Equal(JobState.Sent, Assert.Single(reopened.Jobs("alm-0001")).State);
        LedgerJob failedJob = Assert.Single(reopened.Jobs("alm-0002"));
        Assert.Equal((JobState.Pending, 1, "HTTP 502", 0), (failedJob.State, failedJob.Attempts, failedJob.LastError, failedJob.Interrupted));
    }

    [Fact]
    public void A_ledger_of_schema_version_1_is_migrated_with_its_pending_jobs_kept()
    {
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = LedgerPath, Pooling = false }.ToString()))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            // The version 1 schema as hubs before the in-flight mark wrote it, with one raised notice pending.
            command.CommandText = $"""
                CREATE TABLE alarm_event (alarm_id TEXT NOT NULL, event INTEGER NOT NULL, alarm TEXT NOT NULL, recorded_ms INTEGER NOT NULL,
                    PRIMARY KEY (alarm_id, event)) WITHOUT ROWID;
                CREATE TABLE alarm_state (alarm_id TEXT PRIMARY KEY, acknowledged_ms INTEGER, acknowledged_by TEXT, cleared_ms INTEGER,
                    updated_ms INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE job (id INTEGER PRIMARY KEY, alarm_id TEXT NOT NULL, event INTEGER NOT NULL, notice INTEGER NOT NULL,
                    channel TEXT NOT NULL, state INTEGER NOT NULL, due_ms INTEGER NOT NULL, next_ms INTEGER NOT NULL, attempts INTEGER NOT NULL,
                    last_error TEXT, done_ms INTEGER, UNIQUE (alarm_id, notice, channel));
                INSERT INTO alarm_event VALUES ('alm-0001', 0, $alarm, 0);
                INSERT INTO job (alarm_id, event, notice, channel, state, due_ms, next_ms, attempts, last_error)
                    VALUES ('alm-0001', 0, 0, 'ops', 0, 0, 0, 3, 'HTTP 502');
                PRAGMA application_id = {NotificationLedger.ApplicationId}; PRAGMA user_version = 1;
                """;
            command.Parameters.AddWithValue("$alarm", ContractJson.SerializeToString(Alarms.Raised()));
            command.ExecuteNonQuery();
        }

        using var ledger = NotificationLedger.Open(LedgerPath);

        Assert.Empty(ledger.InterruptedAtOpen);
        LedgerJob job = Assert.Single(ledger.Jobs("alm-0001"));
        Assert.Equal((JobState.Pending, 3, "HTTP 502", 0), (job.State, job.Attempts, job.LastError, job.Interrupted));
        ledger.MarkSending(job.Id, Now);
        DueJob head = ledger.Ready("ops", Now, 1).Single();
        Assert.Equal("alm-0001", head.AlarmId);
        Assert.True(ContractJson.TryDeserialize(System.Text.Encoding.UTF8.GetBytes(head.AlarmJson), out AlarmMessage? alarm, out string? error), error);
        Assert.Equal(AlarmSeverity.Critical, alarm!.Severity);
    }

    [Fact]
    public void A_session_end_is_recorded_once_also_when_delivered_again_after_a_reopen()
    {
        var session = new SessionMessage
        {
            Seq = 9, Ts = Now, Site = "dongguan", Gateway = "shed-1", SessionId = "ses-0001", Port = "p03", StartedTs = Now.AddHours(-2), EndedTs = Now,
            DurationS = 7200, EnergyWh = 480, PeakPowerW = 260, EndReason = SessionEndReason.Complete,
        };
        using (var ledger = NotificationLedger.Open(LedgerPath))
        {
            Assert.True(ledger.RecordSessionEnd(session, ContractJson.SerializeToString(session), Now));
            Assert.False(ledger.RecordSessionEnd(session, ContractJson.SerializeToString(session), Now.AddSeconds(1)));
        }

        using (var ledger = NotificationLedger.Open(LedgerPath))
        {
            Assert.False(ledger.RecordSessionEnd(session, ContractJson.SerializeToString(session), Now.AddMinutes(1)));
            string json = Assert.Single(ledger.SessionEnds("dongguan", "shed-1"));
            Assert.True(ContractJson.TryDeserialize(System.Text.Encoding.UTF8.GetBytes(json), out SessionMessage? stored, out string? error), error);
            Assert.Equal(session, stored);
            Assert.Empty(ledger.SessionEnds("dongguan", "shed-2"));
        }
    }

    private static void Record(NotificationLedger ledger, string alarmId, string channel)
    {
        AlarmMessage alarm = Alarms.Raised(alarmId);
        ledger.Record(alarm, ContractJson.SerializeToString(alarm), [new NewJob(channel, NoticeKind.Raised, Now)], Now);
    }
}
