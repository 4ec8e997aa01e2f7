using System.Globalization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Persistence;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Notifications;

/// <summary>Where a delivery job stands.</summary>
internal enum JobState
{
    Pending = 0,
    Sent = 1,

    /// <summary>A reminder no longer needed: the alarm was acknowledged or cleared first.</summary>
    Cancelled = 2,
}

/// <summary>A job to record: this notice to this channel, not before <see cref="Due"/>.</summary>
internal sealed record NewJob(string Channel, NoticeKind Notice, DateTimeOffset Due);

/// <summary>
/// A channel's next job, with what it is about — the alarm's contract JSON, or for a notice not made from an alarm
/// message (<see cref="NoticeKind.Assigned"/>) its own JSON — and whether that alarm is closed (acknowledged or cleared).
/// </summary>
internal sealed record DueJob(long Id, string AlarmId, NoticeKind Notice, int Attempts, DateTimeOffset NextAttempt, string AlarmJson, bool Closed, string Site = "", string Gateway = "");

/// <summary>A job as stored (for diagnostics and tests).</summary>
internal sealed record LedgerJob(
    long Id, string AlarmId, NoticeKind Notice, string Channel, JobState State, DateTimeOffset Due, DateTimeOffset NextAttempt, int Attempts, string? LastError,
    int Interrupted, string Site = "", string Gateway = "");

/// <summary>What became of one attempt (or of a reminder no longer needed), for <see cref="NotificationLedger.Advance"/>.</summary>
internal readonly record struct JobOutcome(long Id, JobState State, int Attempts, DateTimeOffset At, string? Error = null)
{
    public static JobOutcome Sent(long id, DateTimeOffset at) => new(id, JobState.Sent, 0, at);

    public static JobOutcome Cancelled(long id, DateTimeOffset at) => new(id, JobState.Cancelled, 0, at);

    /// <summary>Failed: still pending, its <paramref name="attempts"/> so far, tried again at <paramref name="nextAttempt"/>.</summary>
    public static JobOutcome Failed(long id, int attempts, DateTimeOffset nextAttempt, string reason) => new(id, JobState.Pending, attempts, nextAttempt, reason);
}

/// <summary>
/// A pending job whose last attempt was under way when the ledger was last closed without an outcome (the hub was
/// killed, lost power or stopped mid-request): the receiver may or may not have it, so it is sent again.
/// </summary>
internal sealed record InterruptedJob(long Id, string AlarmId, NoticeKind Notice, string Channel, DateTimeOffset AttemptStarted);

/// <summary>What recording an alarm message did.</summary>
internal readonly record struct RecordOutcome(bool Duplicate, int Added, int Cancelled);

/// <summary>
/// The notification ledger of one hub instance: one SQLite file (WAL, <c>synchronous = FULL</c>, so a recorded job
/// survives a crash or power cut the moment <see cref="Record"/> returns) holding
/// <list type="bullet">
/// <item><c>alarm_event(site, gateway, alarm_id, event)</c>: each alarm message recorded, with its contract JSON — the
/// idempotency key;</item>
/// <item><c>alarm_state(site, gateway, alarm_id)</c>: acknowledgements and clears observed, which cancel and prevent reminders;</item>
/// <item><c>job</c>: one row per notice per channel, pending until sent (or a reminder cancelled); its rowid is the
/// recording order a channel delivers in, keyed by site, gateway and alarm id like the rest. <c>sending_ms</c> is set (committed) before each attempt and cleared with
/// its outcome, so a job found with it set at open was interrupted mid-request; <c>interrupted</c> counts those.</item>
/// <item>A job may carry its own <c>body</c>: a notice made from something other than an alarm message (an incident's
/// assignment, <see cref="NoticeKind.Assigned"/>), keyed by the incident's alarm id and the step.</item>
/// <item><c>session_end(site, gateway, session_id)</c>: each charging session's end as it arrived, with its contract
/// JSON (what billing and incidents read without InfluxDB); a redelivery adds nothing.</item>
/// </list>
/// An alarm id is unique only within the gateway that raised it: a gateway clearing or acknowledging another site's
/// alarm id touches its own alarm of that id, never the other site's reminders.
/// Thread-safe: one connection behind one lock; nothing here does network I/O.
/// </summary>
/// <remarks>
/// The file is opened with <c>locking_mode = EXCLUSIVE</c>: a second process (a second hub instance configured with the
/// same path by mistake) is refused at start instead of both delivering the same jobs.
/// </remarks>
internal sealed class NotificationLedger : IDisposable
{
    /// <summary>SQLite <c>application_id</c> of a ledger file ("EGNL").</summary>
    internal const int ApplicationId = 0x45474E4C;

    /// <summary>SQLite <c>user_version</c> of this schema.</summary>
    internal const int SchemaVersion = 5;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS alarm_event (
            site        TEXT    NOT NULL,
            gateway     TEXT    NOT NULL,
            alarm_id    TEXT    NOT NULL,
            event       INTEGER NOT NULL,
            alarm       TEXT    NOT NULL,
            recorded_ms INTEGER NOT NULL,
            PRIMARY KEY (site, gateway, alarm_id, event)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS alarm_state (
            site            TEXT    NOT NULL,
            gateway         TEXT    NOT NULL,
            alarm_id        TEXT    NOT NULL,
            acknowledged_ms INTEGER,
            acknowledged_by TEXT,
            cleared_ms      INTEGER,
            updated_ms      INTEGER NOT NULL,
            PRIMARY KEY (site, gateway, alarm_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS job (
            id         INTEGER PRIMARY KEY,
            site       TEXT    NOT NULL,
            gateway    TEXT    NOT NULL,
            alarm_id   TEXT    NOT NULL,
            event      INTEGER NOT NULL,
            notice     INTEGER NOT NULL,
            channel    TEXT    NOT NULL,
            state      INTEGER NOT NULL,
            due_ms     INTEGER NOT NULL,
            next_ms    INTEGER NOT NULL,
            attempts   INTEGER NOT NULL,
            last_error TEXT,
            done_ms    INTEGER,
            sending_ms  INTEGER,
            interrupted INTEGER NOT NULL DEFAULT 0,
            body        TEXT,
            UNIQUE (site, gateway, alarm_id, notice, channel)
        );
        CREATE INDEX IF NOT EXISTS job_pending ON job (channel, id) WHERE state = 0;
        CREATE INDEX IF NOT EXISTS job_pending_alarm ON job (channel, site, gateway, alarm_id, id) WHERE state = 0;
        CREATE TABLE IF NOT EXISTS session_end (
            site        TEXT    NOT NULL,
            gateway     TEXT    NOT NULL,
            session_id  TEXT    NOT NULL,
            port        TEXT    NOT NULL,
            session     TEXT    NOT NULL,
            recorded_ms INTEGER NOT NULL,
            PRIMARY KEY (site, gateway, session_id)
        ) WITHOUT ROWID;
        """;

    /// <summary>Version 1 → 2: the in-flight mark and the interruption count.</summary>
    private const string MigrateFrom1 = """
        ALTER TABLE job ADD COLUMN sending_ms INTEGER;
        ALTER TABLE job ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
        """;

    /// <summary>
    /// Version 2 → 3: keyed by site, gateway and alarm id (they were keyed by alarm id alone). Each recorded event's
    /// site and gateway come from its own JSON; jobs and states take those of their alarm's event (a state with no
    /// event left is kept under an empty site and gateway, where nothing matches it, until pruned).
    /// </summary>
    private const string MigrateFrom2 = """
        CREATE TABLE alarm_event_v3 (
            site TEXT NOT NULL, gateway TEXT NOT NULL, alarm_id TEXT NOT NULL, event INTEGER NOT NULL, alarm TEXT NOT NULL,
            recorded_ms INTEGER NOT NULL, PRIMARY KEY (site, gateway, alarm_id, event)
        ) WITHOUT ROWID;
        INSERT INTO alarm_event_v3
            SELECT COALESCE(json_extract(alarm, '$.site'), ''), COALESCE(json_extract(alarm, '$.gateway'), ''), alarm_id, event, alarm, recorded_ms
            FROM alarm_event;
        CREATE TABLE alarm_state_v3 (
            site TEXT NOT NULL, gateway TEXT NOT NULL, alarm_id TEXT NOT NULL, acknowledged_ms INTEGER, acknowledged_by TEXT,
            cleared_ms INTEGER, updated_ms INTEGER NOT NULL, PRIMARY KEY (site, gateway, alarm_id)
        ) WITHOUT ROWID;
        INSERT INTO alarm_state_v3
            SELECT COALESCE(e.site, ''), COALESCE(e.gateway, ''), s.alarm_id, s.acknowledged_ms, s.acknowledged_by, s.cleared_ms, s.updated_ms
            FROM alarm_state AS s
            LEFT JOIN (SELECT alarm_id, MIN(site) AS site, MIN(gateway) AS gateway FROM alarm_event_v3 GROUP BY alarm_id) AS e ON e.alarm_id = s.alarm_id;
        CREATE TABLE job_v3 (
            id INTEGER PRIMARY KEY, site TEXT NOT NULL, gateway TEXT NOT NULL, alarm_id TEXT NOT NULL, event INTEGER NOT NULL,
            notice INTEGER NOT NULL, channel TEXT NOT NULL, state INTEGER NOT NULL, due_ms INTEGER NOT NULL, next_ms INTEGER NOT NULL,
            attempts INTEGER NOT NULL, last_error TEXT, done_ms INTEGER, sending_ms INTEGER, interrupted INTEGER NOT NULL DEFAULT 0,
            UNIQUE (site, gateway, alarm_id, notice, channel)
        );
        INSERT INTO job_v3
            SELECT j.id, COALESCE(e.site, ''), COALESCE(e.gateway, ''), j.alarm_id, j.event, j.notice, j.channel, j.state, j.due_ms, j.next_ms,
                   j.attempts, j.last_error, j.done_ms, j.sending_ms, j.interrupted
            FROM job AS j
            LEFT JOIN (SELECT alarm_id, event, MIN(site) AS site, MIN(gateway) AS gateway FROM alarm_event_v3 GROUP BY alarm_id, event) AS e
                ON e.alarm_id = j.alarm_id AND e.event = j.event;
        DROP TABLE alarm_event;
        DROP TABLE alarm_state;
        DROP TABLE job;
        ALTER TABLE alarm_event_v3 RENAME TO alarm_event;
        ALTER TABLE alarm_state_v3 RENAME TO alarm_state;
        ALTER TABLE job_v3 RENAME TO job;
        """;

    /// <summary>Version 4 → 5: a job's own body, for notices not made from an alarm message (an incident's assignment).</summary>
    private const string MigrateFrom4 = "ALTER TABLE job ADD COLUMN body TEXT;";

    private static readonly SqliteFileFormat Format = new()
    {
        Kind = "notification ledger",
        ApplicationId = ApplicationId,
        SchemaVersion = SchemaVersion,
        Schema = Schema,
        Migrations = new Dictionary<int, string> { [1] = MigrateFrom1, [2] = MigrateFrom2, [4] = MigrateFrom4 },
        ExclusiveLocking = true,
        // Only one connection ever uses the file, so waiting on a lock only delays refusing a second instance.
        BusyTimeoutSeconds = 1,
        InUseAdvice = $"give each hub instance its own {NotificationOptions.Section}:LedgerPath",
    };

    /// <summary>The parameters that name an alarm, first in every statement about one: site, gateway, alarm id.</summary>
    private static readonly (string Name, SqliteType Type)[] Key = [("$site", SqliteType.Text), ("$gateway", SqliteType.Text), ("$alarm_id", SqliteType.Text)];

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _insertSessionEnd;
    private readonly SqliteCommand _insertJob;
    private readonly SqliteCommand _insertNotice;
    private readonly SqliteCommand _acknowledge;
    private readonly SqliteCommand _clear;
    private readonly SqliteCommand _isClosed;
    private readonly SqliteCommand _cancelReminders;
    private readonly SqliteCommand _ready;
    private readonly SqliteCommand _nextEligible;
    private readonly SqliteCommand _sending;
    private readonly SqliteCommand _sent;
    private readonly SqliteCommand _failed;
    private readonly SqliteCommand _cancel;
    private long _pending;
    private bool _disposed;

    private NotificationLedger(string path, SqliteConnection connection, IReadOnlyList<InterruptedJob> interrupted)
    {
        Path = path;
        _connection = connection;
        InterruptedAtOpen = interrupted;
        _insertEvent = Prepare(
            "INSERT OR IGNORE INTO alarm_event (site, gateway, alarm_id, event, alarm, recorded_ms) VALUES ($site, $gateway, $alarm_id, $event, $alarm, $now);",
            [.. Key, ("$event", SqliteType.Integer), ("$alarm", SqliteType.Text), ("$now", SqliteType.Integer)]);
        _insertSessionEnd = Prepare(
            "INSERT OR IGNORE INTO session_end (site, gateway, session_id, port, session, recorded_ms) VALUES ($site, $gateway, $session_id, $port, $session, $now);",
            ("$site", SqliteType.Text), ("$gateway", SqliteType.Text), ("$session_id", SqliteType.Text), ("$port", SqliteType.Text),
            ("$session", SqliteType.Text), ("$now", SqliteType.Integer));
        _insertNotice = Prepare(
            """
            INSERT OR IGNORE INTO job (site, gateway, alarm_id, event, notice, channel, state, due_ms, next_ms, attempts, body)
            VALUES ($site, $gateway, $alarm_id, 0, $notice, $channel, 0, $due, $due, 0, $body);
            """,
            [.. Key, ("$notice", SqliteType.Integer), ("$channel", SqliteType.Text), ("$due", SqliteType.Integer), ("$body", SqliteType.Text)]);
        _insertJob = Prepare(
            """
            INSERT OR IGNORE INTO job (site, gateway, alarm_id, event, notice, channel, state, due_ms, next_ms, attempts)
            VALUES ($site, $gateway, $alarm_id, $event, $notice, $channel, 0, $due, $due, 0);
            """,
            [.. Key, ("$event", SqliteType.Integer), ("$notice", SqliteType.Integer), ("$channel", SqliteType.Text), ("$due", SqliteType.Integer)]);
        _acknowledge = Prepare(
            """
            INSERT INTO alarm_state (site, gateway, alarm_id, acknowledged_ms, acknowledged_by, updated_ms) VALUES ($site, $gateway, $alarm_id, $at, $by, $now)
            ON CONFLICT (site, gateway, alarm_id) DO UPDATE SET acknowledged_ms = COALESCE(acknowledged_ms, excluded.acknowledged_ms),
                acknowledged_by = COALESCE(acknowledged_by, excluded.acknowledged_by), updated_ms = excluded.updated_ms;
            """,
            [.. Key, ("$at", SqliteType.Integer), ("$by", SqliteType.Text), ("$now", SqliteType.Integer)]);
        _clear = Prepare(
            """
            INSERT INTO alarm_state (site, gateway, alarm_id, cleared_ms, updated_ms) VALUES ($site, $gateway, $alarm_id, $at, $now)
            ON CONFLICT (site, gateway, alarm_id) DO UPDATE SET cleared_ms = COALESCE(cleared_ms, excluded.cleared_ms), updated_ms = excluded.updated_ms;
            """,
            [.. Key, ("$at", SqliteType.Integer), ("$now", SqliteType.Integer)]);
        _isClosed = Prepare(
            "SELECT COUNT(*) FROM alarm_state WHERE site = $site AND gateway = $gateway AND alarm_id = $alarm_id AND (acknowledged_ms IS NOT NULL OR cleared_ms IS NOT NULL);",
            Key);
        _cancelReminders = Prepare(
            $"UPDATE job SET state = {(int)JobState.Cancelled}, done_ms = $now WHERE site = $site AND gateway = $gateway AND alarm_id = $alarm_id AND notice = {(int)NoticeKind.Reminder} AND state = 0;",
            [.. Key, ("$now", SqliteType.Integer)]);
        // The channel's jobs that may start now, oldest first: due, not backing off, and first among their alarm's due
        // jobs on this channel (one alarm's notices go one after another, in recording order: a clear never overtakes
        // its raise). A job under way is still pending, so the next job of its alarm waits for its outcome.
        _ready = Prepare(
            """
            SELECT j.id, j.alarm_id, j.notice, j.attempts, j.next_ms, COALESCE(j.body, e.alarm),
                   (s.acknowledged_ms IS NOT NULL OR s.cleared_ms IS NOT NULL) AS closed, j.site, j.gateway
            FROM job AS j
            LEFT JOIN alarm_event AS e ON e.site = j.site AND e.gateway = j.gateway AND e.alarm_id = j.alarm_id AND e.event = j.event
            LEFT JOIN alarm_state AS s ON s.site = j.site AND s.gateway = j.gateway AND s.alarm_id = j.alarm_id
            WHERE j.channel = $channel AND j.state = 0 AND j.due_ms <= $now AND j.next_ms <= $now AND (j.body IS NOT NULL OR e.alarm IS NOT NULL)
              AND NOT EXISTS (SELECT 1 FROM job AS p
                              WHERE p.channel = j.channel AND p.site = j.site AND p.gateway = j.gateway AND p.alarm_id = j.alarm_id
                                AND p.state = 0 AND p.id < j.id AND p.due_ms <= $now)
            ORDER BY j.id
            LIMIT $limit;
            """,
            ("$channel", SqliteType.Text), ("$now", SqliteType.Integer), ("$limit", SqliteType.Integer));
        _nextEligible = Prepare(
            "SELECT MIN(MAX(due_ms, next_ms)) FROM job WHERE channel = $channel AND state = 0 AND MAX(due_ms, next_ms) > $now;",
            ("$channel", SqliteType.Text), ("$now", SqliteType.Integer));
        _sending = Prepare(
            "UPDATE job SET sending_ms = $now WHERE id = $id AND state = 0;",
            ("$id", SqliteType.Integer), ("$now", SqliteType.Integer));
        _sent = Prepare(
            $"UPDATE job SET state = {(int)JobState.Sent}, attempts = attempts + 1, last_error = NULL, done_ms = $now, sending_ms = NULL WHERE id = $id AND state = 0;",
            ("$id", SqliteType.Integer), ("$now", SqliteType.Integer));
        _failed = Prepare(
            "UPDATE job SET attempts = $attempts, next_ms = $next, last_error = $error, sending_ms = NULL WHERE id = $id AND state = 0;",
            ("$id", SqliteType.Integer), ("$attempts", SqliteType.Integer), ("$next", SqliteType.Integer), ("$error", SqliteType.Text));
        _cancel = Prepare(
            $"UPDATE job SET state = {(int)JobState.Cancelled}, done_ms = $now WHERE id = $id AND state = 0;",
            ("$id", SqliteType.Integer), ("$now", SqliteType.Integer));
        _pending = SqliteFileFormat.Scalar(_connection, "SELECT COUNT(*) FROM job WHERE state = 0;");
    }

    /// <summary>The ledger file's full path.</summary>
    public string Path { get; }

    /// <summary>
    /// The jobs found mid-attempt when this ledger was opened (now counted in <c>interrupted</c> and pending as any
    /// other): each is sent again, at least once being the rule for an alarm notice.
    /// </summary>
    public IReadOnlyList<InterruptedJob> InterruptedAtOpen { get; }

    /// <summary>Jobs not yet sent nor cancelled.</summary>
    public long PendingCount => Interlocked.Read(ref _pending);

    /// <summary>Opens (or creates) the ledger at <paramref name="path"/> and takes its exclusive lock.</summary>
    /// <exception cref="InvalidOperationException">Another process holds the file, or it is a newer schema or not a ledger.</exception>
    public static NotificationLedger Open(string path) =>
        Format.Open(path, (fullPath, connection) => new NotificationLedger(fullPath, connection, TakeInterrupted(connection)));

    /// <summary>
    /// Records one alarm message and its jobs in one transaction. A message already recorded (same alarm id and event)
    /// adds nothing. A cleared message cancels the alarm's pending reminders; reminders of an alarm already acknowledged
    /// or cleared are not recorded.
    /// </summary>
    public RecordOutcome Record(AlarmMessage alarm, string alarmJson, IReadOnlyList<NewJob> jobs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        ArgumentNullException.ThrowIfNull(jobs);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            long nowMs = now.ToUnixTimeMilliseconds();
            using SqliteTransaction tx = _connection.BeginTransaction();
            if (Run(_insertEvent, tx, alarm.Site, alarm.Gateway, alarm.AlarmId, (long)alarm.Event, alarmJson, nowMs) == 0)
            {
                return new RecordOutcome(Duplicate: true, Added: 0, Cancelled: 0);
            }

            int cancelled = 0;
            if (alarm.Event == AlarmEvent.Cleared)
            {
                Run(_clear, tx, alarm.Site, alarm.Gateway, alarm.AlarmId, (alarm.ClearedTs ?? now).ToUnixTimeMilliseconds(), nowMs);
                cancelled = Run(_cancelReminders, tx, alarm.Site, alarm.Gateway, alarm.AlarmId, nowMs);
            }

            bool closed = IsClosed(alarm.Site, alarm.Gateway, alarm.AlarmId, tx);
            int added = 0;
            foreach (NewJob job in jobs)
            {
                if (job.Notice == NoticeKind.Reminder && closed)
                {
                    continue;
                }

                added += Run(_insertJob, tx, alarm.Site, alarm.Gateway, alarm.AlarmId, (long)alarm.Event, (long)job.Notice, job.Channel, job.Due.ToUnixTimeMilliseconds());
            }

            tx.Commit();
            Interlocked.Add(ref _pending, added - cancelled);
            return new RecordOutcome(Duplicate: false, Added: added, Cancelled: cancelled);
        }
    }

    /// <summary>
    /// Records a notice that is not made from an alarm message — an incident's assignment — for each of
    /// <paramref name="channels"/>, due at once, with its own JSON <paramref name="body"/>, in one transaction.
    /// <paramref name="key"/> names the notice (the incident's alarm id and the step): recording it again adds nothing.
    /// Returns how many jobs were added.
    /// </summary>
    public int RecordNotice(string site, string gateway, string key, NoticeKind notice, string body, IReadOnlyList<string> channels, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(channels);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction tx = _connection.BeginTransaction();
            int added = 0;
            foreach (string channel in channels)
            {
                added += Run(_insertNotice, tx, site, gateway, key, (long)notice, channel, now.ToUnixTimeMilliseconds(), body);
            }

            tx.Commit();
            Interlocked.Add(ref _pending, added);
            return added;
        }
    }

    /// <summary>Records a charging session's end; false when it was recorded already (a redelivery).</summary>
    public bool RecordSessionEnd(SessionMessage session, string sessionJson, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Run(_insertSessionEnd, null, session.Site, session.Gateway, session.SessionId, session.Port, sessionJson, now.ToUnixTimeMilliseconds()) == 1;
        }
    }

    /// <summary>The session ends recorded for a gateway, as their contract JSON, oldest first.</summary>
    public IReadOnlyList<string> SessionEnds(string site, string gateway)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT session FROM session_end WHERE site = $site AND gateway = $gateway ORDER BY recorded_ms, session_id;";
            command.Parameters.AddWithValue("$site", site);
            command.Parameters.AddWithValue("$gateway", gateway);
            using SqliteDataReader reader = command.ExecuteReader();
            var sessions = new List<string>();
            while (reader.Read())
            {
                sessions.Add(reader.GetString(0));
            }

            return sessions;
        }
    }

    /// <summary>Remembers that the gateway's <paramref name="alarmId"/> was acknowledged and cancels its pending reminders; returns how many.</summary>
    public int Acknowledge(string site, string gateway, string alarmId, string operatorName, DateTimeOffset at, DateTimeOffset now) =>
        Close(_acknowledge, site, gateway, alarmId, at, operatorName, now);

    /// <summary>Remembers that the gateway's <paramref name="alarmId"/> cleared and cancels its pending reminders; returns how many.</summary>
    public int Clear(string site, string gateway, string alarmId, DateTimeOffset at, DateTimeOffset now) => Close(_clear, site, gateway, alarmId, at, null, now);

    /// <summary>
    /// Up to <paramref name="limit"/> of <paramref name="channel"/>'s jobs that may start at <paramref name="now"/>, oldest
    /// first: due, not backing off, and each the first due pending job of its alarm on the channel (the delivery skips
    /// those it already has under way).
    /// </summary>
    public IReadOnlyList<DueJob> Ready(string channel, DateTimeOffset now, int limit)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _ready.Parameters[0].Value = channel;
            _ready.Parameters[1].Value = now.ToUnixTimeMilliseconds();
            _ready.Parameters[2].Value = (long)limit;
            using SqliteDataReader reader = _ready.ExecuteReader();
            var jobs = new List<DueJob>();
            while (reader.Read())
            {
                jobs.Add(new DueJob(
                    reader.GetInt64(0), reader.GetString(1), (NoticeKind)reader.GetInt32(2), reader.GetInt32(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetString(5), reader.GetInt64(6) != 0, reader.GetString(7), reader.GetString(8)));
            }

            return jobs;
        }
    }

    /// <summary>The next instant after <paramref name="now"/> at which one of <paramref name="channel"/>'s pending jobs
    /// falls due or ends its back-off; null if none will.</summary>
    public DateTimeOffset? NextEligibleAfter(string channel, DateTimeOffset now)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _nextEligible.Parameters[0].Value = channel;
            _nextEligible.Parameters[1].Value = now.ToUnixTimeMilliseconds();
            object? value = _nextEligible.ExecuteScalar();
            return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }
    }

    /// <summary>
    /// One transaction (one fsync) for a delivery loop's turn: the outcomes of the attempts that ended (sent, failed)
    /// and of reminders no longer needed (cancelled), then the "under way" mark of each job about to be sent. Each mark is
    /// still committed before its request leaves and each outcome only after its answer, as with
    /// <see cref="MarkSending"/> and <see cref="MarkSent"/>; a turn only shares the commit between them.
    /// </summary>
    public void Advance(IReadOnlyList<JobOutcome> outcomes, IReadOnlyList<long> sending, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(sending);
        if (outcomes.Count == 0 && sending.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction tx = _connection.BeginTransaction();
            int finished = 0;
            foreach (JobOutcome outcome in outcomes)
            {
                if (outcome.State == JobState.Pending)
                {
                    Run(_failed, tx, outcome.Id, (long)outcome.Attempts, outcome.At.ToUnixTimeMilliseconds(), outcome.Error ?? "failed");
                }
                else
                {
                    finished += Run(outcome.State == JobState.Sent ? _sent : _cancel, tx, outcome.Id, outcome.At.ToUnixTimeMilliseconds());
                }
            }

            long nowMs = now.ToUnixTimeMilliseconds();
            foreach (long id in sending)
            {
                Run(_sending, tx, id, nowMs);
            }

            tx.Commit();
            Interlocked.Add(ref _pending, -finished);
        }
    }

    /// <summary>
    /// Marks an attempt as under way, durably, before its request leaves: if the hub dies before
    /// <see cref="MarkSent"/> or <see cref="MarkFailed"/>, the next open reports the job in <see cref="InterruptedAtOpen"/>.
    /// </summary>
    public void MarkSending(long id, DateTimeOffset now) => Advance([], [id], now);

    public void MarkSent(long id, DateTimeOffset now) => Advance([JobOutcome.Sent(id, now)], [], now);

    /// <summary>A reminder whose alarm was acknowledged or cleared before it was sent.</summary>
    public void Cancel(long id, DateTimeOffset now) => Advance([JobOutcome.Cancelled(id, now)], [], now);

    public void MarkFailed(long id, int attempts, DateTimeOffset nextAttempt, string reason) =>
        Advance([JobOutcome.Failed(id, attempts, nextAttempt, reason)], [], nextAttempt);

    /// <summary>Pending jobs by channel name (to find jobs of channels no longer configured).</summary>
    public IReadOnlyDictionary<string, long> PendingByChannel()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT channel, COUNT(*) FROM job WHERE state = 0 GROUP BY channel;";
            using SqliteDataReader reader = command.ExecuteReader();
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (reader.Read())
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
            }

            return counts;
        }
    }

    /// <summary>
    /// Forgets what finished before <paramref name="cutoff"/>: sent and cancelled jobs, alarm messages no job refers to
    /// (after which a redelivery of that old message would notify again), old acknowledgement/clear states, and session
    /// ends recorded before it.
    /// </summary>
    public int Prune(DateTimeOffset cutoff)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction tx = _connection.BeginTransaction();
            using SqliteCommand command = _connection.CreateCommand();
            command.Transaction = tx;
            command.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            command.CommandText = "DELETE FROM job WHERE state <> 0 AND done_ms < $cutoff;";
            int removed = command.ExecuteNonQuery();
            command.CommandText = """
                DELETE FROM alarm_event WHERE recorded_ms < $cutoff
                AND NOT EXISTS (SELECT 1 FROM job WHERE job.site = alarm_event.site AND job.gateway = alarm_event.gateway
                    AND job.alarm_id = alarm_event.alarm_id AND job.event = alarm_event.event);
                """;
            removed += command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM alarm_state WHERE updated_ms < $cutoff;";
            removed += command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM session_end WHERE recorded_ms < $cutoff;";
            removed += command.ExecuteNonQuery();
            tx.Commit();
            return removed;
        }
    }

    /// <summary>Every job (of alarms with this id on any gateway, if given), in recording order.</summary>
    public IReadOnlyList<LedgerJob> Jobs(string? alarmId = null)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = """
                SELECT id, alarm_id, notice, channel, state, due_ms, next_ms, attempts, last_error, interrupted, site, gateway FROM job
                WHERE $alarm_id IS NULL OR alarm_id = $alarm_id ORDER BY id;
                """;
            command.Parameters.AddWithValue("$alarm_id", (object?)alarmId ?? DBNull.Value);
            using SqliteDataReader reader = command.ExecuteReader();
            var jobs = new List<LedgerJob>();
            while (reader.Read())
            {
                jobs.Add(new LedgerJob(
                    reader.GetInt64(0), reader.GetString(1), (NoticeKind)reader.GetInt32(2), reader.GetString(3), (JobState)reader.GetInt32(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                    reader.GetInt32(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetInt32(9), reader.GetString(10), reader.GetString(11)));
            }

            return jobs;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (SqliteCommand command in new[]
                     {
                         _insertEvent, _insertSessionEnd, _insertJob, _insertNotice, _acknowledge, _clear, _isClosed, _cancelReminders, _ready, _nextEligible, _sending,
                         _sent, _failed, _cancel,
                     })
            {
                command.Dispose();
            }

            _connection.Dispose();
        }
    }

    private int Close(SqliteCommand upsert, string site, string gateway, string alarmId, DateTimeOffset at, string? operatorName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(alarmId);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            long nowMs = now.ToUnixTimeMilliseconds();
            using SqliteTransaction tx = _connection.BeginTransaction();
            if (operatorName is null)
            {
                Run(upsert, tx, site, gateway, alarmId, at.ToUnixTimeMilliseconds(), nowMs);
            }
            else
            {
                Run(upsert, tx, site, gateway, alarmId, at.ToUnixTimeMilliseconds(), operatorName, nowMs);
            }

            int cancelled = Run(_cancelReminders, tx, site, gateway, alarmId, nowMs);
            tx.Commit();
            Interlocked.Add(ref _pending, -cancelled);
            return cancelled;
        }
    }

    /// <summary>Finds the jobs left mid-attempt, counts the interruption in each and clears the mark, in one transaction.</summary>
    private static List<InterruptedJob> TakeInterrupted(SqliteConnection connection)
    {
        using SqliteTransaction tx = connection.BeginTransaction();
        var interrupted = new List<InterruptedJob>();
        using (SqliteCommand select = connection.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = "SELECT id, alarm_id, notice, channel, sending_ms FROM job WHERE state = 0 AND sending_ms IS NOT NULL ORDER BY id;";
            using SqliteDataReader reader = select.ExecuteReader();
            while (reader.Read())
            {
                interrupted.Add(new InterruptedJob(
                    reader.GetInt64(0), reader.GetString(1), (NoticeKind)reader.GetInt32(2), reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }
        }

        if (interrupted.Count > 0)
        {
            SqliteFileFormat.Execute(connection, "UPDATE job SET interrupted = interrupted + 1, sending_ms = NULL WHERE state = 0 AND sending_ms IS NOT NULL;", tx);
        }

        tx.Commit();
        return interrupted;
    }

    private bool IsClosed(string site, string gateway, string alarmId, SqliteTransaction tx)
    {
        _isClosed.Transaction = tx;
        _isClosed.Parameters[0].Value = site;
        _isClosed.Parameters[1].Value = gateway;
        _isClosed.Parameters[2].Value = alarmId;
        return Convert.ToInt64(_isClosed.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Runs a prepared command with its parameters in declaration order; returns the rows changed.</summary>
    private static int Run(SqliteCommand command, SqliteTransaction? tx, params object[] values)
    {
        command.Transaction = tx;
        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        return command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, SqliteType type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        command.Prepare();
        return command;
    }
}
