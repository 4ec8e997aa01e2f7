using System.Globalization;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Hub.Persistence;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Hub.Incidents;

/// <summary>What recording a raise did.</summary>
internal enum IncidentOpening
{
    /// <summary>A new incident.</summary>
    Opened,

    /// <summary>A closed incident of the same source and kind, reopened.</summary>
    Reopened,

    /// <summary>The alarm had its incident already (a redelivery, the other instance, a flapping re-raise): nothing added.</summary>
    Duplicate,
}

/// <summary>What <see cref="IncidentStore.List"/> returns.</summary>
internal sealed record IncidentFilter(IReadOnlyList<string>? Sites = null, IncidentState? State = null, bool OpenOnly = false, string? Assignee = null, DateTimeOffset? OpenedSince = null, int Limit = 500);

/// <summary>
/// The incidents, in one SQLite file (<see cref="IncidentOptions.Path"/>) that every hub instance on the host opens:
/// <c>incident</c> (one row per incident, keyed by the site, gateway and id of the alarm that opened it, with the columns
/// lists filter on), <c>incident_step</c> (every step: the record of what happened) and <c>incident_alarm</c> (every
/// alarm that opened or reopened an incident → that incident). Every change is one <c>BEGIN IMMEDIATE</c> transaction
/// that reads the incident, decides, and writes, so two instances (two processes, two connections) that see the same
/// alarm, or two people acting on one incident, are decided one after the other: one incident per alarm.
/// </summary>
internal sealed class IncidentStore : IDisposable
{
    /// <summary>SQLite <c>application_id</c> of an incident database ("EGIN").</summary>
    internal const int ApplicationId = 0x4547494E;

    internal const int SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS incident (
            site      TEXT    NOT NULL,
            gateway   TEXT    NOT NULL,
            alarm_id  TEXT    NOT NULL,
            company   TEXT,
            kind      TEXT    NOT NULL,
            severity  TEXT    NOT NULL,
            source    TEXT    NOT NULL,
            state     TEXT    NOT NULL,
            assignee  TEXT,
            opened_ms INTEGER NOT NULL,
            closed_ms INTEGER,
            steps     INTEGER NOT NULL,
            PRIMARY KEY (site, gateway, alarm_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS incident_by_source ON incident (site, gateway, source, kind, closed_ms);
        CREATE INDEX IF NOT EXISTS incident_by_opening ON incident (opened_ms);
        CREATE TABLE IF NOT EXISTS incident_step (
            site      TEXT    NOT NULL,
            gateway   TEXT    NOT NULL,
            alarm_id  TEXT    NOT NULL,
            seq       INTEGER NOT NULL,
            action    TEXT    NOT NULL,
            at_ms     INTEGER NOT NULL,
            user_name TEXT    NOT NULL,
            comment   TEXT,
            detail    TEXT,
            PRIMARY KEY (site, gateway, alarm_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS incident_step_by_user ON incident_step (user_name, at_ms);
        CREATE TABLE IF NOT EXISTS incident_alarm (
            site              TEXT NOT NULL,
            gateway           TEXT NOT NULL,
            alarm_id          TEXT NOT NULL,
            incident_alarm_id TEXT NOT NULL,
            PRIMARY KEY (site, gateway, alarm_id)
        ) WITHOUT ROWID;
        """;

    // Shared by processes (not EXCLUSIVE); the wait for the other instance's transaction is bounded by busy_timeout.
    private static readonly SqliteFileFormat Format = new()
    {
        Kind = "incident database",
        ApplicationId = ApplicationId,
        SchemaVersion = SchemaVersion,
        Schema = Schema,
        BusyTimeoutSeconds = 10,
    };

    private readonly Lock _gate = new();
    private readonly SqliteConnection _connection;
    private bool _disposed;

    private IncidentStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>Opens (or creates) the incident database at <paramref name="path"/>; other processes may have it open too.</summary>
    /// <exception cref="InvalidOperationException">The file is not an incident database, or of a newer schema.</exception>
    public static IncidentStore Open(string path) => Format.Open(path, (fullPath, connection) => new IncidentStore(fullPath, connection));

    /// <summary>
    /// A notifiable raise of <paramref name="alarm"/>: reopens the latest closed incident of the same site, gateway,
    /// source and kind when <paramref name="lifecycle"/> says so, opens a new one otherwise; nothing when the alarm
    /// already has its incident. Durable when it returns.
    /// </summary>
    public IncidentOpening RecordRaise(AlarmMessage alarm, string? company, IncidentLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        ArgumentNullException.ThrowIfNull(lifecycle);
        lock (_gate)
        {
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            if (IncidentOf(alarm.Site, alarm.Gateway, alarm.AlarmId, tx) is not null)
            {
                return IncidentOpening.Duplicate;
            }

            if (LatestClosed(alarm.Site, alarm.Gateway, alarm.Source, alarm.Kind, tx) is { } closed && lifecycle.Reopens(closed))
            {
                MapAlarm(alarm.Site, alarm.Gateway, alarm.AlarmId, closed.Key.AlarmId, tx);
                Append(closed, [lifecycle.Reopen(alarm.AlarmId)], tx);
                tx.Commit();
                return IncidentOpening.Reopened;
            }

            IncidentStep opened = lifecycle.Open();
            using (SqliteCommand insert = Command("""
                INSERT OR IGNORE INTO incident (site, gateway, alarm_id, company, kind, severity, source, state, assignee, opened_ms, closed_ms, steps)
                VALUES ($site, $gateway, $alarm_id, $company, $kind, $severity, $source, $state, NULL, $opened, NULL, 0);
                """, tx))
            {
                Key(insert, alarm.Site, alarm.Gateway, alarm.AlarmId);
                insert.Parameters.AddWithValue("$company", (object?)company ?? DBNull.Value);
                insert.Parameters.AddWithValue("$kind", alarm.Kind);
                insert.Parameters.AddWithValue("$severity", alarm.Severity.ToString().ToLowerInvariant());
                insert.Parameters.AddWithValue("$source", alarm.Source);
                insert.Parameters.AddWithValue("$state", IncidentWire.Opened);
                insert.Parameters.AddWithValue("$opened", opened.At.ToUnixTimeMilliseconds());
                if (insert.ExecuteNonQuery() == 0)
                {
                    return IncidentOpening.Duplicate;
                }
            }

            MapAlarm(alarm.Site, alarm.Gateway, alarm.AlarmId, alarm.AlarmId, tx);
            InsertSteps(new IncidentKey(alarm.Site, alarm.Gateway, alarm.AlarmId), 0, [opened], tx);
            SetSummary(new Incident(new IncidentKey(alarm.Site, alarm.Gateway, alarm.AlarmId), company, alarm.Kind, alarm.Severity.ToString().ToLowerInvariant(), alarm.Source, [opened]), tx);
            tx.Commit();
            return IncidentOpening.Opened;
        }
    }

    /// <summary>The gateway cleared <paramref name="alarmId"/>: the incident it opened or reopened (if any) records the
    /// clear and closes if it was resolved. Returns the steps added (none for an alarm without an incident).</summary>
    public IReadOnlyList<IncidentStep> RecordClear(string site, string gateway, string alarmId, DateTimeOffset clearedAt, IncidentLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lock (_gate)
        {
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            if (IncidentOf(site, gateway, alarmId, tx) is not { } incident)
            {
                return [];
            }

            IReadOnlyList<IncidentStep> steps = lifecycle.AlarmCleared(incident, alarmId, clearedAt);
            if (steps.Count > 0)
            {
                Append(incident, steps, tx);
                tx.Commit();
            }

            return steps;
        }
    }

    /// <summary>Decides a transition on the incident <paramref name="key"/> as it is now and records its steps, in one
    /// transaction; null when there is no such incident.</summary>
    public (Incident Incident, IncidentDecision Decision)? Apply(IncidentKey key, Func<Incident, IncidentDecision> decide)
    {
        ArgumentNullException.ThrowIfNull(decide);
        lock (_gate)
        {
            using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
            if (Load(key, tx) is not { } incident)
            {
                return null;
            }

            IncidentDecision decision = decide(incident);
            if (decision.Refusal is not null || decision.Steps.Count == 0)
            {
                return (incident, decision);
            }

            Incident changed = Append(incident, decision.Steps, tx);
            tx.Commit();
            return (changed, decision);
        }
    }

    public Incident? Find(IncidentKey key)
    {
        lock (_gate)
        {
            return Load(key, null);
        }
    }

    /// <summary>Incidents, newest opening first, as <paramref name="filter"/> narrows them.</summary>
    public List<Incident> List(IncidentFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_gate)
        {
            var conditions = new List<string>();
            using SqliteCommand command = Command("", null);
            if (filter.State is { } state)
            {
                conditions.Add("state = $state");
                command.Parameters.AddWithValue("$state", IncidentWire.Name(state));
            }

            if (filter.OpenOnly)
            {
                conditions.Add("state <> 'closed'");
            }

            if (filter.Assignee is not null)
            {
                conditions.Add("assignee = $assignee COLLATE NOCASE");
                command.Parameters.AddWithValue("$assignee", filter.Assignee);
            }

            if (filter.OpenedSince is { } since)
            {
                conditions.Add("opened_ms >= $since");
                command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
            }

            if (filter.Sites is { } sites)
            {
                if (sites.Count == 0)
                {
                    return [];
                }

                var names = new List<string>();
                for (int i = 0; i < sites.Count; i++)
                {
                    string name = "$site" + i.ToString(CultureInfo.InvariantCulture);
                    names.Add(name);
                    command.Parameters.AddWithValue(name, sites[i]);
                }

                conditions.Add($"site IN ({string.Join(", ", names)})");
            }

            command.CommandText = "SELECT site, gateway, alarm_id FROM incident"
                + (conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions))
                + " ORDER BY opened_ms DESC LIMIT $limit;";
            command.Parameters.AddWithValue("$limit", filter.Limit);
            var keys = new List<IncidentKey>();
            using (SqliteDataReader reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    keys.Add(new IncidentKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
                }
            }

            return [.. keys.Select(k => Load(k, null)).OfType<Incident>()];
        }
    }

    /// <summary>
    /// The newest <paramref name="limit"/> steps no person took (user <see cref="IncidentWire.System"/>: openings,
    /// reopenings, the gateway's clears, automatic closes), newest first, each with its incident: the audit log shows
    /// them beside the steps people took, read from here, the one record of them.
    /// </summary>
    public List<(IncidentKey Incident, IncidentStep Step)> SystemSteps(int limit)
    {
        lock (_gate)
        {
            using SqliteCommand command = Command(
                "SELECT site, gateway, alarm_id, action, at_ms, detail FROM incident_step WHERE user_name = $system ORDER BY at_ms DESC, seq DESC LIMIT $limit;", null);
            command.Parameters.AddWithValue("$system", IncidentWire.System);
            command.Parameters.AddWithValue("$limit", limit);
            using SqliteDataReader reader = command.ExecuteReader();
            var steps = new List<(IncidentKey, IncidentStep)>();
            while (reader.Read())
            {
                steps.Add((
                    new IncidentKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)),
                    new IncidentStep(reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), IncidentWire.System, Detail: reader.IsDBNull(5) ? null : reader.GetString(5))));
            }

            return steps;
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
            _connection.Dispose();
        }
    }

    /// <summary>The incident that <paramref name="alarmId"/> opened or reopened.</summary>
    private Incident? IncidentOf(string site, string gateway, string alarmId, SqliteTransaction? tx)
    {
        using SqliteCommand command = Command("SELECT incident_alarm_id FROM incident_alarm WHERE site = $site AND gateway = $gateway AND alarm_id = $alarm_id;", tx);
        Key(command, site, gateway, alarmId);
        return command.ExecuteScalar() is string opening ? Load(new IncidentKey(site, gateway, opening), tx) : null;
    }

    private Incident? LatestClosed(string site, string gateway, string source, string kind, SqliteTransaction tx)
    {
        using SqliteCommand command = Command("""
            SELECT alarm_id FROM incident
            WHERE site = $site AND gateway = $gateway AND source = $source AND kind = $kind AND closed_ms IS NOT NULL
            ORDER BY closed_ms DESC LIMIT 1;
            """, tx);
        command.Parameters.AddWithValue("$site", site);
        command.Parameters.AddWithValue("$gateway", gateway);
        command.Parameters.AddWithValue("$source", source);
        command.Parameters.AddWithValue("$kind", kind);
        return command.ExecuteScalar() is string alarmId ? Load(new IncidentKey(site, gateway, alarmId), tx) : null;
    }

    private Incident? Load(IncidentKey key, SqliteTransaction? tx)
    {
        string? company;
        string kind, severity, source;
        using (SqliteCommand command = Command("SELECT company, kind, severity, source FROM incident WHERE site = $site AND gateway = $gateway AND alarm_id = $alarm_id;", tx))
        {
            Key(command, key.Site, key.Gateway, key.AlarmId);
            using SqliteDataReader reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            company = reader.IsDBNull(0) ? null : reader.GetString(0);
            kind = reader.GetString(1);
            severity = reader.GetString(2);
            source = reader.GetString(3);
        }

        var steps = new List<IncidentStep>();
        using (SqliteCommand command = Command("""
            SELECT action, at_ms, user_name, comment, detail FROM incident_step
            WHERE site = $site AND gateway = $gateway AND alarm_id = $alarm_id ORDER BY seq;
            """, tx))
        {
            Key(command, key.Site, key.Gateway, key.AlarmId);
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                steps.Add(new IncidentStep(
                    reader.GetString(0),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }

        return new Incident(key, company, kind, severity, source, steps);
    }

    private Incident Append(Incident incident, IReadOnlyList<IncidentStep> steps, SqliteTransaction tx)
    {
        InsertSteps(incident.Key, incident.Steps.Count, steps, tx);
        Incident changed = incident.With(steps);
        SetSummary(changed, tx);
        return changed;
    }

    private void InsertSteps(IncidentKey key, int firstSeq, IReadOnlyList<IncidentStep> steps, SqliteTransaction tx)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            IncidentStep step = steps[i];
            using SqliteCommand command = Command("""
                INSERT INTO incident_step (site, gateway, alarm_id, seq, action, at_ms, user_name, comment, detail)
                VALUES ($site, $gateway, $alarm_id, $seq, $action, $at, $user, $comment, $detail);
                """, tx);
            Key(command, key.Site, key.Gateway, key.AlarmId);
            command.Parameters.AddWithValue("$seq", firstSeq + i);
            command.Parameters.AddWithValue("$action", step.Action);
            command.Parameters.AddWithValue("$at", step.At.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$user", step.User);
            command.Parameters.AddWithValue("$comment", (object?)step.Comment ?? DBNull.Value);
            command.Parameters.AddWithValue("$detail", (object?)step.Detail ?? DBNull.Value);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The columns lists filter on, from the incident's steps.</summary>
    private void SetSummary(Incident incident, SqliteTransaction tx)
    {
        using SqliteCommand command = Command("""
            UPDATE incident SET state = $state, assignee = $assignee, closed_ms = $closed, steps = $steps
            WHERE site = $site AND gateway = $gateway AND alarm_id = $alarm_id;
            """, tx);
        Key(command, incident.Key.Site, incident.Key.Gateway, incident.Key.AlarmId);
        command.Parameters.AddWithValue("$state", IncidentWire.Name(incident.State));
        command.Parameters.AddWithValue("$assignee", (object?)incident.Assignee ?? DBNull.Value);
        command.Parameters.AddWithValue("$closed", incident.Closing is { } closing ? closing.At.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$steps", incident.Steps.Count);
        command.ExecuteNonQuery();
    }

    private void MapAlarm(string site, string gateway, string alarmId, string incidentAlarmId, SqliteTransaction tx)
    {
        using SqliteCommand command = Command("""
            INSERT OR IGNORE INTO incident_alarm (site, gateway, alarm_id, incident_alarm_id) VALUES ($site, $gateway, $alarm_id, $incident);
            """, tx);
        Key(command, site, gateway, alarmId);
        command.Parameters.AddWithValue("$incident", incidentAlarmId);
        command.ExecuteNonQuery();
    }

    private static void Key(SqliteCommand command, string site, string gateway, string alarmId)
    {
        command.Parameters.AddWithValue("$site", site);
        command.Parameters.AddWithValue("$gateway", gateway);
        command.Parameters.AddWithValue("$alarm_id", alarmId);
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }
}
